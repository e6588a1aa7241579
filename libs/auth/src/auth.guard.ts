import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { roleSatisfies, type Actor } from './actor';
import { InvalidTokenError, JwtVerifier } from './jwt-verifier';
import { minimumRole, resolveRouteAccess, type PermissionMap } from './permissions';

export const AUTH_PERMISSIONS = Symbol('AUTH_PERMISSIONS');

/** The request as the guard leaves it: the verified caller attached. */
export interface RequestWithActor extends IncomingMessage {
  actor?: Actor;
}

/** RFC 6750 §2.1; the scheme name is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +(\S+) *$/i;

/**
 * The global guard: every HTTP endpoint is either `@Public()` or declares a `@Permission()`
 * that the caller's role must satisfy. Anything else is refused (fail closed).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly verifier: JwtVerifier,
    @Inject(AUTH_PERMISSIONS) private readonly permissions: PermissionMap,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Message handlers (JetStream consumers) are not called by users; NATS authenticates them.
    if (context.getType() !== 'http') return true;

    const access = resolveRouteAccess(context.getHandler(), context.getClass());
    if (access.kind === 'public') return true;
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    if (access.kind === 'undeclared') {
      this.logger.error(`${route} declares neither @Permission() nor @Public(); refusing the request`);
      throw new ForbiddenException('This endpoint declares no permission, so it is closed');
    }
    const minimum = minimumRole(this.permissions, access.permission);
    if (!minimum) {
      this.logger.error(`${route} requires "${access.permission}", which the permission table lacks; refusing the request`);
      throw new ForbiddenException(`Permission "${access.permission}" is not granted to any role`);
    }

    const http = context.switchToHttp();
    const request = http.getRequest<RequestWithActor>();
    const actor = await this.authenticate(request, http.getResponse<ServerResponse>());
    if (!roleSatisfies(actor.role, minimum)) {
      throw new ForbiddenException(`Role "${actor.role}" may not "${access.permission}"; it needs "${minimum}" or higher`);
    }
    request.actor = actor;
    return true;
  }

  private async authenticate(request: IncomingMessage, response: ServerResponse): Promise<Actor> {
    const header = request.headers.authorization;
    if (!header) throw this.unauthorized(response, 'Missing bearer token (Authorization: Bearer <JWT>)');
    const match = BEARER.exec(header);
    if (!match) throw this.unauthorized(response, 'Authorization header must be "Bearer <JWT>"');
    try {
      return await this.verifier.verify(match[1]!);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw this.unauthorized(response, error.message);
      this.logger.error(error instanceof Error ? error.message : String(error));
      throw new ServiceUnavailableException('Token verification is unavailable; retry later');
    }
  }

  /** RFC 6750 §3: a 401 for a bearer-protected resource names the scheme and the error. */
  private unauthorized(response: ServerResponse, message: string): UnauthorizedException {
    if (!response.headersSent) {
      response.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`);
    }
    return new UnauthorizedException(message);
  }
}
