import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';

/**
 * On a streamed upload refused before its body ended: answers with `Connection: close`, so the
 * rest of the body (up to a gigabyte nobody will read) goes with the connection instead of being
 * read and thrown away to keep the connection alive.
 */
@Injectable()
export class CloseUnreadBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        const http = context.switchToHttp();
        if (!http.getRequest<Request>().complete) http.getResponse<Response>().setHeader('Connection', 'close');
        return throwError(() => error);
      }),
    );
  }
}
