import { mintDevToken } from '@lib/auth';
import { ServiceProcess, type PrivateNatsServer } from '@lib/testing';

const JWT_SECRET = 'bench-timeseries-secret-long-enough-for-hs256';

/**
 * A service as `npm start` runs it: the built `dist/apps/<service>/src/main.js` in a process of
 * its own, so that it has an event loop to itself, as in production, rather than sharing this
 * one with the load it is measured under.
 */
export function startService(service: 'analytics' | 'content', databaseUrl: string, schema: string, nats: PrivateNatsServer): Promise<ServiceProcess> {
  return ServiceProcess.start({
    service,
    env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, NATS_URL: nats.url, JWT_SECRET, LOG_LEVEL: 'silent' },
  });
}

/** A bearer token the services accept: an editor (who may report metrics) of `workspaceId`. */
export function editorToken(workspaceId: string, userId: string): Promise<string> {
  return mintDevToken({ sub: userId, ws: workspaceId, role: 'editor', secret: JWT_SECRET });
}
