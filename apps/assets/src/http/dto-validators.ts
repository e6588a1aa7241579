import { unstorableTextPath } from '@lib/service-kit';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

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

/** Ids are compared lower-cased (a stream is named by one): `ABC…` and `abc…` are the same id. */
export function LowerCased(): PropertyDecorator {
  const lower = (value: unknown): unknown => (typeof value === 'string' ? value.toLowerCase() : value);
  return Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(lower) : lower(value)));
}
