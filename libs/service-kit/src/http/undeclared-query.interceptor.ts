import { BadRequestException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/**
 * Refuses query parameters on a route that declares no `@Query()`: an unknown parameter is bad
 * input there as much as an unknown field is in a query DTO, which the validation pipe refuses.
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
    const names = Object.keys(context.switchToHttp().getRequest<Request>().query ?? {});
    if (!takesQuery && names.length > 0) {
      const messages = names.map((name) => `query parameter ${name} should not exist`);
      throw new BadRequestException({ message: messages, details: { fields: Object.fromEntries(names.map((name, i) => [name, [messages[i]]])) } });
    }
    return next.handle();
  }
}
