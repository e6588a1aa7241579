import { applyDecorators, HttpStatus, Injectable, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { tap, type Observable } from 'rxjs';

/** Sets `ETag: "<version>"` from the answer's `version`, the value a client sends back as If-Match. */
@Injectable()
export class VersionETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap((answer: unknown) => {
        const version: unknown = typeof answer === 'object' && answer !== null ? Reflect.get(answer, 'version') : undefined;
        if (Number.isInteger(version)) context.switchToHttp().getResponse<Response>().setHeader('ETag', `"${String(version)}"`);
      }),
    );
  }
}

/** An endpoint answering one versioned resource (a post, a library item), with its version as ETag. */
export function VersionedResponse(type: new () => { version: number }, status: HttpStatus = HttpStatus.OK): MethodDecorator {
  return applyDecorators(
    UseInterceptors(VersionETagInterceptor),
    ApiResponse({
      status,
      type,
      headers: { ETag: { description: 'The resource version in quotes, e.g. "3": send it back as If-Match', schema: { type: 'string' } } },
    }),
  );
}
