import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_JWT_SECRET, mintDevToken } from './dev-token';
import { InvalidTokenError, JwtVerifier, KeySetUnavailableError } from './jwt-verifier';

/** A JWKS endpoint on 127.0.0.1 whose answer each test can change. */
class LocalJwks {
  keys: JWK[] = [];
  status = 200;
  requests = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<LocalJwks> {
    let jwks: LocalJwks | undefined;
    const server = createServer((_request, response) => {
      jwks!.requests++;
      response.writeHead(jwks!.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: jwks!.keys }));
    });
    jwks = new LocalJwks(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const ws = randomUUID();
const sub = randomUUID();
const ISSUER = 'https://auth.example.test/';
const AUDIENCE = 'marketing-platform';

function sign(key: CryptoKey | Uint8Array, alg: string, kid: string | undefined, claims: Record<string, unknown> = {}) {
  const jwt = new SignJWT({ ws, role: 'editor', ...claims })
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m');
  return jwt.sign(key);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected verification to fail');
}

describe('JwtVerifier with a JWKS', () => {
  let jwks: LocalJwks;
  let signingKey: CryptoKey;
  let verifier: JwtVerifier;

  beforeAll(async () => {
    jwks = await LocalJwks.start();
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    const ecPair = await generateKeyPair('ES256');
    jwks.keys = [
      { ...(await exportJWK(pair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    verifier = JwtVerifier.create({ jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE }, () => undefined);
  });
  afterAll(() => jwks.close());

  it('accepts a token signed with a published key', async () => {
    await expect(verifier.verify(await sign(signingKey, 'RS256', 'rsa-1'))).resolves.toEqual({ userId: sub, workspaceId: ws, role: 'editor' });
    expect(jwks.requests).toBeGreaterThan(0);
  });

  it('refuses a token signed with an unpublished key under a published kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const error = await failure(verifier.verify(await sign(privateKey, 'RS256', 'rsa-1')));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.message).toBe('Token signature is invalid');
  });

  it('refuses a token whose kid is not published', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const error = await failure(verifier.verify(await sign(privateKey, 'RS256', 'rsa-unknown')));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.message).toBe('Token is signed with an unknown key');
  });

  it('refuses HS256 (algorithm confusion with the public key as the HMAC secret)', async () => {
    const publicJwk = JSON.stringify(jwks.keys[0]);
    const error = await failure(verifier.verify(await sign(new TextEncoder().encode(publicJwk), 'HS256', 'rsa-1')));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.message).toContain('asymmetric keys only');
  });

  it('refuses the wrong issuer and a missing audience', async () => {
    const wrongIssuer = await new SignJWT({ ws, role: 'viewer' }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setSubject(sub).setIssuer('https://evil.test/').setAudience(AUDIENCE).setExpirationTime('5m').sign(signingKey);
    expect((await failure(verifier.verify(wrongIssuer))).message).toBe('Token claim "iss" is not accepted');
    const noAudience = await new SignJWT({ ws, role: 'viewer' }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setSubject(sub).setIssuer(ISSUER).setExpirationTime('5m').sign(signingKey);
    expect((await failure(verifier.verify(noAudience))).message).toBe('Token claim "aud" is missing');
  });

  it('reports an unusable key set as unavailable (503), not as a bad token', async () => {
    const down = JwtVerifier.create({ jwksUrl: 'http://127.0.0.1:9/jwks.json' }, () => undefined);
    expect(await failure(down.verify(await sign(signingKey, 'RS256', 'rsa-1')))).toBeInstanceOf(KeySetUnavailableError);

    const broken = await LocalJwks.start();
    broken.status = 500;
    try {
      const failing = JwtVerifier.create({ jwksUrl: broken.url }, () => undefined);
      const error = await failure(failing.verify(await sign(signingKey, 'RS256', 'rsa-1')));
      expect(error).toBeInstanceOf(KeySetUnavailableError);
      expect(error.message).toContain('Expected 200 OK');
    } finally {
      await broken.close();
    }
  });
});

describe('JwtVerifier configuration', () => {
  it('uses the development secret when none is given, with a warning', async () => {
    const warnings: string[] = [];
    const verifier = JwtVerifier.create({}, (message) => warnings.push(message));
    expect(verifier.mode).toBe('dev-secret');
    expect(warnings).toEqual([expect.stringContaining('development secret')]);
    const token = await mintDevToken({ sub, ws, role: 'admin' });
    await expect(verifier.verify(token)).resolves.toEqual({ userId: sub, workspaceId: ws, role: 'admin' });
    expect(DEV_JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('warns about a short secret', () => {
    const warnings: string[] = [];
    expect(JwtVerifier.create({ secret: 'short' }, (message) => warnings.push(message)).mode).toBe('secret');
    expect(warnings).toEqual([expect.stringContaining('shorter than 32 bytes')]);
  });

  it('refuses the development secret when an explicit key is required (production)', () => {
    expect(() => JwtVerifier.create({ requireExplicitKey: true }, () => undefined)).toThrow('JWT_SECRET or JWT_JWKS_URL must be set in production');
  });

  it('refuses a secret and a JWKS URL together', () => {
    expect(() => JwtVerifier.create({ secret: 'x'.repeat(40), jwksUrl: 'https://keys.example.test/jwks.json' }, () => undefined)).toThrow('not both');
  });

  it('checks issuer and audience of HS256 tokens when configured', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
    const verifier = JwtVerifier.create({ secret, issuer: 'dev', audience: 'platform' }, () => undefined);
    await expect(verifier.verify(await mintDevToken({ sub, ws, role: 'viewer', secret, issuer: 'dev', audience: 'platform' }))).resolves.toMatchObject({ role: 'viewer' });
    await expect(verifier.verify(await mintDevToken({ sub, ws, role: 'viewer', secret, issuer: 'dev' }))).rejects.toThrow('Token claim "aud" is missing');
  });
});
