import { BadRequestException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { unstorableTextPath } from './storable-text';

/**
 * Refuses query parameters on a route that declares no `@Query()`: an unknown parameter is bad
 * input there as much as an unknown field is in a query DTO, which the validation pipe refuses.
 * And on every route, a parameter holding text PostgreSQL cannot store (U+0000, a lone
 * surrogate): here once for every service, rather than in each query DTO.
 */
@Injectable()
export class UndeclaredQueryInterceptor implements NestInterceptor {
  private readonly declared = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const handler = context.getHandler();
    let takesQuery = this.declared.get(handler);
    if (takesQuery === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
      takesQuery = Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.QUERY}:`));
      this.declared.set(handler, takesQuery);
    }
    const query: Record<string, unknown> = context.switchToHttp().getRequest<Request>().query ?? {};
    const names = Object.keys(query);
    if (!takesQuery && names.length > 0) refuse(names, (name) => `query parameter ${name} should not exist`);
    // The name as well as the value: an object is checked keys and all.
    const unstorable = names.filter((name) => unstorableTextPath({ [name]: query[name] }) !== null);
    if (unstorable.length > 0) refuse(unstorable, (name) => `query parameter ${name} must not contain U+0000 or unpaired surrogates`);
    return next.handle();
  }
}

/** 400 in the validation pipe's shape: one message per parameter, and each under its name. */
function refuse(names: string[], message: (name: string) => string): never {
  const messages = names.map(message);
  throw new BadRequestException({ message: messages, details: { fields: Object.fromEntries(names.map((name, i) => [name, [messages[i]]])) } });
}
