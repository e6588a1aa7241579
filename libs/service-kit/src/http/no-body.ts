import { applyDecorators, BadRequestException, Injectable, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/**
 * Refuses any input to a command that takes none: no body or `{}` is fine, a field is refused as
 * the validation pipe refuses unknown fields elsewhere. (A DTO class with no properties cannot do
 * it: class-validator refuses every value of a class it knows no rules for.)
 */
@Injectable()
export class NoBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body: unknown = context.switchToHttp().getRequest<Request>().body;
    if (body !== undefined) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestException('Request body must be a JSON object');
      const fields = Object.keys(body);
      if (fields.length > 0) {
        const messages = fields.map((field) => `property ${field} should not exist`);
        throw new BadRequestException({ message: messages, details: { fields: Object.fromEntries(fields.map((field, i) => [field, [messages[i]]])) } });
      }
    }
    return next.handle();
  }
}

export function NoBody(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(NoBodyInterceptor),
    ApiBody({ required: false, description: 'None, or an empty object', schema: { type: 'object', maxProperties: 0 } }),
  );
}
