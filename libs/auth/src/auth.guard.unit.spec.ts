import 'reflect-metadata';
import { Controller, ForbiddenException, Get, Logger, Post, UnauthorizedException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { SignJWT, UnsecuredJWT, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from './actor';
import { AuthGuard, type RequestWithActor } from './auth.guard';
import { mintDevToken } from './dev-token';
import { JwtVerifier } from './jwt-verifier';
import { Permission, Public, type PermissionMap } from './permissions';

const SECRET = 'unit-test-secret-that-is-long-enough-for-hs256';
const PERMISSIONS: PermissionMap = { 'post.read': 'viewer', 'post.write': 'editor', 'post.approve': 'admin', 'workspace.delete': 'owner' };

@Controller('posts')
class PostsController {
  @Get() @Permission('post.read') list(): void {}
  @Post() @Permission('post.write') create(): void {}
  @Post(':id/approve') @Permission('post.approve') approve(): void {}
  @Post('purge') @Permission('workspace.delete') purge(): void {}
  @Get('status') @Public() status(): void {}
  @Get('forgotten') forgotten(): void {}
  @Get('typo') @Permission('post.raed') typo(): void {}
  @Get('proto') @Permission('toString') proto(): void {}
}

@Public()
@Controller('open')
class OpenController {
  @Get() page(): void {}
  @Post() @Permission('post.write') write(): void {}
}

type Handler = keyof PostsController;

interface FakeResponse {
  headersSent: boolean;
  headers: Record<string, string>;
  setHeader(name: string, value: string): void;
}

function httpContext(controller: object & { prototype: object }, handler: string, authorization?: string) {
  const request: Partial<RequestWithActor> = { headers: authorization === undefined ? {} : { authorization } };
  const response: FakeResponse = {
    headersSent: false,
    headers: {},
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = value;
    },
  };
  const method = Reflect.get(controller.prototype, handler) as () => void;
  const context = new ExecutionContextHost([request, response, () => undefined], controller as never, method);
  context.setType('http');
  return { context, request, response };
}

const guard = new AuthGuard(JwtVerifier.create({ secret: SECRET }, () => undefined), PERMISSIONS);
const ws = randomUUID();
const sub = randomUUID();
const token = (role: Role, overrides: { expiresIn?: number | string; secret?: string } = {}) =>
  mintDevToken({ sub, ws, role, secret: SECRET, ...overrides });

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UnauthorizedException || error instanceof ForbiddenException) {
      return { status: error.getStatus(), message: error.message };
    }
    throw error;
  }
  throw new Error('expected the guard to refuse');
}

describe('AuthGuard', () => {
  let loggedErrors: jest.SpyInstance;
  beforeEach(() => {
    loggedErrors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => loggedErrors.mockRestore());

  describe('role × permission table', () => {
    const cases: Array<[Handler, Role]> = [
      ['list', 'viewer'],
      ['create', 'editor'],
      ['approve', 'admin'],
      ['purge', 'owner'],
    ];
    for (const [handler, minimum] of cases) {
      for (const role of ROLES) {
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(minimum);
        it(`${allowed ? 'lets' : 'refuses'} ${role} ${handler} (needs ${minimum})`, async () => {
          const { context, request } = httpContext(PostsController, handler, `Bearer ${await token(role)}`);
          if (allowed) {
            await expect(guard.canActivate(context)).resolves.toBe(true);
            expect(request.actor).toEqual({ userId: sub, workspaceId: ws, role });
          } else {
            const { status, message } = await refusal(guard.canActivate(context));
            expect(status).toBe(403);
            expect(message).toContain(`Role "${role}" may not`);
            expect(message).toContain(`needs "${minimum}"`);
            expect(request.actor).toBeUndefined();
          }
        });
      }
    }
  });

  it('answers 401 without a token, naming the expected header, with WWW-Authenticate', async () => {
    const { context, response } = httpContext(PostsController, 'list');
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: expect.stringContaining('Missing bearer token') });
    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('answers 401 for another scheme or an empty bearer', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer ', 'Bearer']) {
      const { context } = httpContext(PostsController, 'list', header);
      expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: expect.stringContaining('Bearer <JWT>') });
    }
  });

  it('accepts the scheme in any case', async () => {
    const { context } = httpContext(PostsController, 'list', `bearer ${await token('viewer')}`);
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });

  it('answers 401 for an expired token', async () => {
    const { context } = httpContext(PostsController, 'list', `Bearer ${await token('owner', { expiresIn: -60 })}`);
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: 'Token has expired' });
  });

  it('answers 401 for a token signed with another secret', async () => {
    const forged = await token('owner', { secret: 'an-attacker-secret-that-is-also-long-enough' });
    const { context } = httpContext(PostsController, 'list', `Bearer ${forged}`);
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: 'Token signature is invalid' });
  });

  it('answers 401 for a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await token('viewer')).split('.');
    const payload = Buffer.from(JSON.stringify({ sub, ws, role: 'owner', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const { context } = httpContext(PostsController, 'purge', `Bearer ${header}.${payload}.${signature}`);
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: 'Token signature is invalid' });
  });

  it('answers 401 for the wrong algorithms: HS512, RS256 and none', async () => {
    const claims = { ws, role: 'owner' };
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setSubject(sub).setExpirationTime('1h').sign(privateKey);
    const none = new UnsecuredJWT(claims).setSubject(sub).setExpirationTime('1h').encode();
    for (const jwt of [hs512, rs256, none]) {
      const { context } = httpContext(PostsController, 'list', `Bearer ${jwt}`);
      const { status, message } = await refusal(guard.canActivate(context));
      expect(status).toBe(401);
      expect(message).toMatch(/algorithm this service does not accept|malformed/);
    }
  });

  it('answers 401 for a malformed token', async () => {
    for (const jwt of ['not-a-jwt', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30']) {
      const { context } = httpContext(PostsController, 'list', `Bearer ${jwt}`);
      expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: 'Token is malformed' });
    }
  });

  it('answers 401 for claims of the wrong shape', async () => {
    const sign = (claims: Record<string, unknown>, subject?: string) => {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h');
      if (subject) jwt.setSubject(subject);
      return jwt.sign(new TextEncoder().encode(SECRET));
    };
    const cases: Array<[Promise<string>, string]> = [
      [sign({ ws: 'workspace-1', role: 'editor' }, sub), 'Token claim "ws" must be a UUID'],
      [sign({ role: 'editor' }, sub), 'Token claim "ws" must be a UUID'],
      [sign({ ws, role: 'superuser' }, sub), 'Token claim "role" must be one of viewer, editor, admin, owner'],
      [sign({ ws, role: ['owner'] }, sub), 'Token claim "role" must be one of viewer, editor, admin, owner'],
      [sign({ ws, role: 'editor' }, 'alice'), 'Token claim "sub" must be a UUID'],
      [sign({ ws, role: 'editor' }), 'Token claim "sub" is missing'],
    ];
    for (const [jwt, expected] of cases) {
      const { context } = httpContext(PostsController, 'list', `Bearer ${await jwt}`);
      expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: expected });
    }
  });

  it('answers 401 for a token without an expiry', async () => {
    const jwt = await new SignJWT({ ws, role: 'owner' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).sign(new TextEncoder().encode(SECRET));
    const { context } = httpContext(PostsController, 'list', `Bearer ${jwt}`);
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 401, message: 'Token claim "exp" is missing' });
  });

  it('lets anyone reach a @Public() endpoint, ignoring any token', async () => {
    await expect(guard.canActivate(httpContext(PostsController, 'status').context)).resolves.toBe(true);
    await expect(guard.canActivate(httpContext(PostsController, 'status', 'Bearer garbage').context)).resolves.toBe(true);
    await expect(guard.canActivate(httpContext(OpenController, 'page').context)).resolves.toBe(true);
  });

  it('lets a method @Permission() override its @Public() controller', async () => {
    expect((await refusal(guard.canActivate(httpContext(OpenController, 'write').context))).status).toBe(401);
    const { context } = httpContext(OpenController, 'write', `Bearer ${await token('editor')}`);
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });

  it('fails closed on an endpoint that declares no permission, even for an owner', async () => {
    const { context } = httpContext(PostsController, 'forgotten', `Bearer ${await token('owner')}`);
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 403, message: 'This endpoint declares no permission, so it is closed' });
    expect(loggedErrors).toHaveBeenCalledWith(expect.stringContaining('PostsController.forgotten declares neither'));
  });

  it('fails closed on a permission missing from the table', async () => {
    const { context } = httpContext(PostsController, 'typo', `Bearer ${await token('owner')}`);
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 403, message: 'Permission "post.raed" is not granted to any role' });
  });

  it('does not take Object.prototype members for permissions', async () => {
    const { context } = httpContext(PostsController, 'proto', `Bearer ${await token('viewer')}`);
    expect(await refusal(guard.canActivate(context))).toEqual({ status: 403, message: 'Permission "toString" is not granted to any role' });
  });

  it('leaves message handlers (rpc) to NATS authentication', async () => {
    const { context } = httpContext(PostsController, 'forgotten');
    context.setType('rpc');
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });

  it('lower-cases the ids of the actor', async () => {
    const upper = await mintDevToken({ sub: sub.toUpperCase(), ws: ws.toUpperCase(), role: 'viewer', secret: SECRET });
    const { context, request } = httpContext(PostsController, 'list', `Bearer ${upper}`);
    await guard.canActivate(context);
    expect(request.actor).toEqual({ userId: sub, workspaceId: ws, role: 'viewer' });
  });
});
