import { SignJWT } from 'jose';
import type { Role } from './actor';

/**
 * The development signing secret used when JWT_SECRET is unset. It is public (it is in the
 * repository), so a service refuses it when NODE_ENV=production.
 */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-do-not-use-in-production';

export interface DevTokenOptions {
  readonly sub: string;
  readonly ws: string;
  readonly role: Role;
  /** A jose time span (`'15m'`, `'1h'`, `'7d'`) or seconds from now; negative yields an expired token. Default `'1h'`. */
  readonly expiresIn?: string | number;
  /** Default: the development secret, as the services use when JWT_SECRET is unset. */
  readonly secret?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Mints an HS256 token as the services verify in development; for tests and scripts/mint-token. */
export async function mintDevToken(options: DevTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresIn ?? '1h';
  const jwt = new SignJWT({ ws: options.ws, role: options.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuedAt(now)
    // A number given to jose is an absolute time, hence the conversion of relative seconds.
    .setExpirationTime(typeof expiresIn === 'number' ? now + expiresIn : expiresIn);
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}
