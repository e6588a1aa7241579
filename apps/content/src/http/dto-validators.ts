import { ValidateBy, type ValidationOptions } from 'class-validator';
import { Violations } from '@lib/domain';
import { parseInstant } from '../domain';

/** An ISO-8601 instant with its offset (`2030-01-01T09:00:00Z`, `…+01:00`), by the domain's own rule. */
function isInstant(value: unknown): value is string {
  const violations = new Violations();
  parseInstant(value, violations, 'instant');
  return violations.isEmpty;
}

export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value) => isInstant(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an ISO-8601 instant with an offset, e.g. 2030-01-01T09:00:00Z`,
      },
    },
    options,
  );
}

