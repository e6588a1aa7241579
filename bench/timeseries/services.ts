import type { DynamicModule } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mintDevToken } from '@lib/auth';
import { createHttpApp } from '@lib/service-kit';
import { freePort, type PrivateNatsServer } from '@lib/testing';
import { AnalyticsModule } from '../../apps/analytics/src/analytics.module';
import { ContentModule } from '../../apps/content/src/content.module';

const JWT_SECRET = 'bench-timeseries-secret-long-enough-for-hs256';

/** A service built in this process as its main.ts builds it (createHttpApp), listening on a free port. */
export class InProcessService {
  private constructor(
    readonly app: NestExpressApplication,
    readonly base: string,
  ) {}

  static async start(module: DynamicModule): Promise<InProcessService> {
    const app = await createHttpApp(module);
    try {
      const port = await freePort();
      await app.listen(port, '127.0.0.1');
      return new InProcessService(app, `http://127.0.0.1:${port}`);
    } catch (error) {
      await app.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

function serviceEnv(databaseUrl: string, schema: string, nats: PrivateNatsServer): Record<string, string> {
  return { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, NATS_URL: nats.url, JWT_SECRET, LOG_LEVEL: 'silent' };
}

export function startAnalytics(databaseUrl: string, schema: string, nats: PrivateNatsServer): Promise<InProcessService> {
  return InProcessService.start(AnalyticsModule.forRoot({ env: serviceEnv(databaseUrl, schema, nats) }));
}

export function startContent(databaseUrl: string, schema: string, nats: PrivateNatsServer): Promise<InProcessService> {
  return InProcessService.start(ContentModule.forRoot({ env: serviceEnv(databaseUrl, schema, nats) }));
}

/** A bearer token the in-process services accept: an editor (who may report metrics) of `workspaceId`. */
export function editorToken(workspaceId: string, userId: string): Promise<string> {
  return mintDevToken({ sub: userId, ws: workspaceId, role: 'editor', secret: JWT_SECRET });
}
