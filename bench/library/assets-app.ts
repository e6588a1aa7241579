import type { NestExpressApplication } from '@nestjs/platform-express';
import { mintDevToken } from '@lib/auth';
import { createHttpApp } from '@lib/service-kit';
import { PrivateNatsServer, freePort } from '@lib/testing';
import { AssetsModule } from '../../apps/assets/src/assets.module';

const JWT_SECRET = 'bench-library-secret-long-enough-for-hs256';

/**
 * The assets service built in this process as its main.ts builds it (createHttpApp), with a
 * private NATS server, its own schema (it runs its migrations) and local blob storage in
 * `dataDir`, listening on a free port.
 */
export class AssetsApp {
  private constructor(
    private readonly app: NestExpressApplication,
    private readonly nats: PrivateNatsServer,
    readonly base: string,
    /** Its local blob storage's directory (ASSETS_DATA_DIR). */
    readonly dataDir: string,
  ) {}

  static async start(databaseUrl: string, schema: string, dataDir: string): Promise<AssetsApp> {
    const nats = await PrivateNatsServer.start();
    let app: NestExpressApplication | undefined;
    try {
      app = await createHttpApp(
        AssetsModule.forRoot({
          env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, NATS_URL: nats.url, JWT_SECRET, LOG_LEVEL: 'silent', ASSETS_DATA_DIR: dataDir },
        }),
      );
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      return new AssetsApp(app, nats, `http://127.0.0.1:${port}`, dataDir);
    } catch (error) {
      await app?.close().catch(() => undefined);
      await nats.dispose();
      throw error;
    }
  }

  /** A bearer token of an editor (who uploads and discards) of `workspaceId`. */
  editorToken(workspaceId: string, userId: string): Promise<string> {
    return mintDevToken({ sub: userId, ws: workspaceId, role: 'editor', secret: JWT_SECRET });
  }

  async close(): Promise<void> {
    try {
      await this.app.close();
    } finally {
      await this.nats.dispose();
    }
  }
}
