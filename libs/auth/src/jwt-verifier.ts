import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { isRole, isUuid, ROLES, type Actor } from './actor';
import { DEV_JWT_SECRET } from './dev-token';

export interface JwtVerifierOptions {
  /** HS256 shared secret (development). */
  readonly secret?: string;
  /** JWKS endpoint (production): tokens must be signed with one of its asymmetric keys. */
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /**
   * Refuse to fall back to the development secret when neither `secret` nor `jwksUrl` is set;
   * service-kit sets it when NODE_ENV=production.
   */
  readonly requireExplicitKey?: boolean;
}

/** The token was missing, malformed, forged, expired or carried bad claims: the caller gets 401. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** The JWKS endpoint could not be reached or answered garbage: our fault, not the caller's (503). */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
}

/**
 * Asymmetric algorithms only on the JWKS path: accepting HS* there would let anyone who knows a
 * public key forge tokens by using it as an HMAC secret (algorithm confusion).
 */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** A few seconds of leeway for clock skew between the token issuer and this host. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** HMAC keys shorter than the hash output weaken HS256 (RFC 7518 §3.2). */
const MIN_SECRET_BYTES = 32;

type Key = Uint8Array | ReturnType<typeof createRemoteJWKSet>;

/** Verifies bearer tokens and turns their claims into an {@link Actor}. */
export class JwtVerifier {
  private constructor(
    private readonly key: Key,
    private readonly verifyOptions: JWTVerifyOptions,
    /** Which key source is in use, for the startup log line. */
    readonly mode: 'jwks' | 'secret' | 'dev-secret',
  ) {}

  /**
   * @param warn receives the configuration warnings (development secret in use, short secret).
   * @throws Error when the options are contradictory or a production service has no key.
   */
  static create(options: JwtVerifierOptions, warn: (message: string) => void): JwtVerifier {
    const common: JWTVerifyOptions = {
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub'],
    };
    if (options.jwksUrl && options.secret) {
      // Mixing both would accept development-signed tokens in production; make the operator choose.
      throw new Error('Set either JWT_SECRET (HS256, development) or JWT_JWKS_URL (production), not both');
    }
    if (options.jwksUrl) {
      const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 3_000 });
      return new JwtVerifier(jwks, { ...common, algorithms: JWKS_ALGORITHMS }, 'jwks');
    }
    if (!options.secret && options.requireExplicitKey) {
      throw new Error('JWT_SECRET or JWT_JWKS_URL must be set in production; the development secret is public');
    }
    const secret = options.secret ?? DEV_JWT_SECRET;
    if (!options.secret) {
      warn('JWT_SECRET is not set: verifying tokens with the public development secret. Never run like this in production.');
    } else if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      warn(`JWT_SECRET is shorter than ${MIN_SECRET_BYTES} bytes, which weakens HS256; use a longer random secret.`);
    }
    return new JwtVerifier(
      new TextEncoder().encode(secret),
      { ...common, algorithms: ['HS256'] },
      options.secret ? 'secret' : 'dev-secret',
    );
  }

  /**
   * @throws InvalidTokenError for anything wrong with the token itself
   * @throws KeySetUnavailableError when the JWKS endpoint cannot be used
   */
  async verify(token: string): Promise<Actor> {
    let payload: JWTPayload;
    try {
      // The two overloads of jwtVerify (static key, key resolver) do not accept the union.
      payload =
        this.key instanceof Uint8Array
          ? (await jwtVerify(token, this.key, this.verifyOptions)).payload
          : (await jwtVerify(token, this.key, this.verifyOptions)).payload;
    } catch (error) {
      throw describeVerificationError(error, this.mode);
    }
    return actorFromClaims(payload);
  }
}

function describeVerificationError(error: unknown, mode: JwtVerifier['mode']): Error {
  if (error instanceof errors.JWTExpired) return new InvalidTokenError('Token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new InvalidTokenError(`Token claim "${error.claim}" is ${error.reason === 'missing' ? 'missing' : 'not accepted'}`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    const accepted = mode === 'jwks' ? 'asymmetric keys only' : 'HS256 only';
    return new InvalidTokenError(`Token is signed with an algorithm this service does not accept (${accepted})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new InvalidTokenError('Token signature is invalid');
  if (error instanceof errors.JWKSNoMatchingKey) return new InvalidTokenError('Token is signed with an unknown key');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
    return new InvalidTokenError('Token is malformed');
  }
  if (mode === 'jwks') {
    // What is left comes from fetching the key set: timeouts, network errors, non-200 or non-JSON answers.
    return new KeySetUnavailableError(`Signing keys are unavailable: ${error instanceof Error ? error.message : String(error)}`);
  }
  return new InvalidTokenError('Token could not be verified');
}

function actorFromClaims(claims: JWTPayload): Actor {
  const { sub, ws, role } = claims;
  if (!isUuid(sub)) throw new InvalidTokenError('Token claim "sub" must be a UUID');
  if (!isUuid(ws)) throw new InvalidTokenError('Token claim "ws" must be a UUID');
  if (!isRole(role)) throw new InvalidTokenError(`Token claim "role" must be one of ${ROLES.join(', ')}`);
  // Lower-case ids, so string comparisons with ids PostgreSQL hands back (always lower case) hold.
  return { userId: sub.toLowerCase(), workspaceId: ws.toLowerCase(), role };
}
