import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseInstant } from '../instant';

/** An ISO-8601 instant with its offset (`2030-01-01T09:00:00Z`, `…+01:00`). */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value) => parseInstant(value) !== null,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an ISO-8601 instant with an offset, e.g. 2030-01-01T09:00:00Z`,
      },
    },
    options,
  );
}

