import { unstorableTextPath } from '@lib/service-kit';
import { Transform } from 'class-transformer';
import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';

// Query strings and multipart fields arrive as text; these turn the text of a number or a
// boolean into one and leave anything else as it is, for the type check to refuse by name.
// (Number('') is 0 and Number('1e3') 1000: only plain digits count as an integer here.)

const INTEGER = /^[+-]?\d{1,16}$/;
const DECIMAL = /^[+-]?(\d+(\.\d+)?|\.\d+)$/;

export function IntegerText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && INTEGER.test(value) ? Number(value) : value));
}

export function DecimalText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value));
}

export function BooleanText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));
}

/** JSON text parsed; text that is not JSON stays text, which the object check refuses. */
export function JsonText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  });
}

/** A JSON object (not an array, not null) of at most `maxBytes` bytes as JSON. */
export function IsJsonObject(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJsonObject',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && !Array.isArray(value) && Buffer.byteLength(JSON.stringify(value), 'utf8') <= maxBytes,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a JSON object of at most ${maxBytes} bytes`,
      },
    },
    options,
  );
}

/** Text with something besides white space in it (the domain trims, and would find nothing). */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.trim().length > 0,
        defaultMessage: (args) => `${args?.property ?? 'value'} must not be blank`,
      },
    },
    options,
  );
}

/**
 * No U+0000 and no lone surrogate in any string of the value (object keys included), which
 * PostgreSQL would refuse as a 500 when the event is stored. For multipart fields: a JSON body
 * is checked as a whole before it reaches a DTO.
 */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: (value: unknown) => unstorableTextPath(value) === null,
        defaultMessage: (args) => `${args?.property ?? 'value'} must not contain U+0000 or unpaired surrogates`,
      },
    },
    options,
  );
}

/**
 * May be left out, but not sent as null: for fields the domain gives no meaning to null (unlike
 * `title: null`, which clears the title and takes @IsOptional()).
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/** Ids are compared lower-cased (a stream is named by one): `ABC…` and `abc…` are the same id. */
export function LowerCased(): PropertyDecorator {
  const lower = (value: unknown): unknown => (typeof value === 'string' ? value.toLowerCase() : value);
  return Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(lower) : lower(value)));
}
