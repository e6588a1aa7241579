import 'reflect-metadata';
import { Controller, Get, Logger, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule } from './auth.module';
import { Permission, Public } from './permissions';

const jwt = { secret: 'module-test-secret-long-enough-for-hs256' };

@Controller('things')
class ThingsController {
  @Get() @Permission('thing.read') list(): void {}
  @Post() @Permission('thing.write') create(): void {}
  @Get('ping') @Public() ping(): void {}
  /** Not a route: must not be reported. */
  helper(): void {}
}

@Controller(['sloppy', 'alias'])
class SloppyController {
  @Get(':id') get(): void {}
  @Post() @Permission('thing.wirte') create(): void {}
}

async function boot(controllers: Array<new () => unknown>, permissions: Record<string, 'viewer' | 'editor' | 'admin' | 'owner'>): Promise<INestApplication> {
  @Module({ imports: [AuthModule.forRoot({ permissions, jwt })], controllers })
  class TestModule {}
  return NestFactory.create(TestModule, { logger: false, abortOnError: false });
}

describe('AuthModule', () => {
  it('starts when every route declares its access', async () => {
    const app = await boot([ThingsController], { 'thing.read': 'viewer', 'thing.write': 'editor' });
    await expect(app.init()).resolves.toBe(app);
    await app.close();
  });

  it('refuses to start, listing each route without a usable declaration', async () => {
    const app = await boot([ThingsController, SloppyController], { 'thing.read': 'viewer', 'thing.write': 'editor' });
    const init = app.init();
    await expect(init).rejects.toThrow(
      [
        'Routes without a usable access declaration:',
        '  - GET /sloppy/:id (SloppyController.get): declares neither @Permission() nor @Public()',
        '  - POST /sloppy (SloppyController.create): permission "thing.wirte" is not in the permission table',
      ].join('\n'),
    );
    await app.close();
  });

  it('rejects a permission table with an unknown role at once', () => {
    expect(() => AuthModule.forRoot({ permissions: { 'thing.read': 'guest' } as never, jwt })).toThrow('"thing.read": "guest"');
  });

  it('refuses to start without JWT settings', async () => {
    @Module({ imports: [AuthModule.forRoot({ permissions: {} })] })
    class NoJwtModule {}
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await expect(NestFactory.create(NoJwtModule, { logger: false, abortOnError: false })).rejects.toThrow('AuthModule needs JWT settings');
  });
});
