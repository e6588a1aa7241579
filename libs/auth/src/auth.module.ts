import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AUTH_PERMISSIONS, AuthGuard } from './auth.guard';
import { JwtVerifier, type JwtVerifierOptions } from './jwt-verifier';
import { checkPermissionMap, type PermissionMap } from './permissions';
import { RouteAccessAudit } from './route-audit';

/** Where AuthModule finds its JWT settings when `jwt` is not given; service-kit provides it from config. */
export const JWT_VERIFIER_OPTIONS = Symbol('JWT_VERIFIER_OPTIONS');

export interface AuthModuleOptions {
  /** The service's permission table: each permission its endpoints declare, and the least role allowed. */
  readonly permissions: PermissionMap;
  /** JWT settings; defaults to the JWT_VERIFIER_OPTIONS provider (ServiceKitModule provides it). */
  readonly jwt?: JwtVerifierOptions;
}

@Module({})
export class AuthModule {
  /** Installs the global {@link AuthGuard} and the startup route audit. Import it once, in the root module. */
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const permissions = checkPermissionMap(options.permissions);
    return {
      module: AuthModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: AUTH_PERMISSIONS, useValue: permissions },
        {
          provide: JwtVerifier,
          useFactory: (injected: JwtVerifierOptions | undefined): JwtVerifier => {
            const jwt = options.jwt ?? injected;
            if (!jwt) throw new Error('AuthModule needs JWT settings: pass `jwt`, or import ServiceKitModule, which provides them');
            const logger = new Logger('Auth');
            const verifier = JwtVerifier.create(jwt, (message) => logger.warn(message));
            logger.log(`Verifying bearer tokens with ${describeKeySource(verifier, jwt)}`);
            return verifier;
          },
          inject: [{ token: JWT_VERIFIER_OPTIONS, optional: true }],
        },
        { provide: APP_GUARD, useClass: AuthGuard },
        RouteAccessAudit,
      ],
      exports: [AUTH_PERMISSIONS, JwtVerifier],
    };
  }
}

function describeKeySource(verifier: JwtVerifier, jwt: JwtVerifierOptions): string {
  if (verifier.mode === 'jwks') return `the JWKS at ${jwt.jwksUrl}`;
  return verifier.mode === 'secret' ? 'JWT_SECRET (HS256)' : 'the development secret (HS256)';
}
