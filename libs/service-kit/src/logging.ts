import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import type { ServiceConfig } from './config/service-config';
import { correlationIdOf } from './http/correlation-id';

/** Probes hit these every few seconds; logging each would drown the useful lines. */
const QUIET_PATHS = ['/health', '/metrics'];

/** JSON logs, one line per request, each line of a request carrying its `correlationId`. */
export function loggerParams(config: ServiceConfig): Params {
  return {
    pinoHttp: {
      level: config.LOG_LEVEL,
      base: { service: config.SERVICE_NAME },
      timestamp: stdTimeFunctions.isoTime,
      genReqId: (request: IncomingMessage) => correlationIdOf(request),
      // Lines logged while handling a request carry just `correlationId`, not the whole request,
      // which the one "request completed" line already describes.
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'correlationId' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      autoLogging: { ignore: (request: IncomingMessage) => QUIET_PATHS.some((path) => request.url?.startsWith(path)) },
      // A 4xx is the client's mistake and a routine event; only our failures are errors.
      customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
        error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
    },
  };
}
