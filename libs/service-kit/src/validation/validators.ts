import { Param, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@lib/auth';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions, ValidateIf } from 'class-validator';
import { ValidationError } from '../http/errors';

/** Area/Location names (and UTC, GMT…); not offsets such as +01:00, which are not zones. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Whether `value` is an IANA time zone name, as this runtime's ICU (the tz database) knows it.
 * ICU is asked rather than Intl.supportedValuesOf('timeZone') alone: that list holds only
 * canonical zones, leaving out UTC, Etc/GMT±n and the aliases browsers send (Asia/Kolkata,
 * US/Eastern), all of which PostgreSQL understands.
 */
export function isIanaTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || !ZONE_NAME.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIanaTimeZone',
      validator: {
        validate: (value) => isIanaTimeZone(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an IANA time zone such as Europe/Paris`,
      },
    },
    options,
  );
}

/** Decimal digits only: Number() would also read `1e1`, `0x10`, ` 12 ` and `` (0). */
const INTEGER_TEXT = /^[+-]?\d{1,16}$/;

/**
 * A query parameter's integer text made a number; any other text stays text, for `@IsInt()` to
 * refuse. Instead of `@Type(() => Number)`, which takes whatever Number() reads.
 */
export function IntegerText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value));
}

/** 400 (not Nest's generic message) naming the parameter; lower-cases the UUID. */
export class ParseUuidPipe implements PipeTransform<unknown, string> {
  constructor(private readonly name: string) {}

  transform(value: unknown): string {
    if (!isUuid(value)) throw new ValidationError(`${this.name} must be a UUID`);
    return value.toLowerCase();
  }
}

/** `@UuidParam('id') id: string`: a path parameter that must be a UUID (400 otherwise). */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(name, new ParseUuidPipe(name));
}

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d+)?|\.\d+)$/;

/** The text of a decimal number, as a number; anything else stays text for the type check to refuse by name. */
export function DecimalText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL_TEXT.test(value) ? Number(value) : value));
}

/** `true`/`false` text as a boolean; anything else stays text for the type check to refuse by name. */
export function BooleanText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));
}

/**
 * May be left out, but not sent as null: for fields a service gives no meaning to null (unlike a
 * field where null clears a value, which takes @IsOptional()).
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
