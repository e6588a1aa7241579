import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import type { ValidationError as ClassValidatorError } from 'class-validator';

/**
 * The global pipe: a DTO-typed body, query or param is validated whole, and anything wrong
 * (an unknown field, a wrong type, a missing field) answers 400 naming each offending field:
 * `{ statusCode: 400, error, message: string[], details: { fields: { "<path>": string[] } } }`.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      // Implicit conversion would turn `{"title": 123}` into "123" and let a wrong type through;
      // DTOs convert query strings explicitly with @Type(() => Number).
      transformOptions: { enableImplicitConversion: false },
      // Keep the request's values (possibly personal data) out of error bodies and logs.
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new BadRequestException(describeValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // class-validator would validate an array or a string body item by item, or not at all.
    if (metadata.type === 'body' && value !== undefined && this.toValidate(metadata) && !isPlainObject(value)) {
      throw new BadRequestException('Request body must be a JSON object');
    }
    return super.transform(value, metadata);
  }
}

function describeValidationErrors(errors: ClassValidatorError[]): { message: string[]; details: { fields: Record<string, string[]> } } {
  const fields: Record<string, string[]> = {};
  collect(errors, '', fields);
  return { message: Object.values(fields).flat(), details: { fields } };
}

function collect(errors: ClassValidatorError[], parentPath: string, fields: Record<string, string[]>): void {
  for (const error of errors) {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    // class-validator names the property but not its parents: prefix them, as Nest does.
    const messages = Object.values(error.constraints ?? {}).map((m) => (parentPath ? `${parentPath}.${m}` : m));
    if (messages.length > 0) fields[path] = [...(fields[path] ?? []), ...messages];
    if (error.children?.length) collect(error.children, path, fields);
  }
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
