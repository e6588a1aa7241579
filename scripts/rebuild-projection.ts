/**
 * Rebuilds one read model of a running service beside the live one and swaps it in, through
 * the service's admin API, as an owner of the given workspace:
 *
 *   node dist/scripts/rebuild-projection.js <service> <projection>      e.g. content post_summaries
 *   node dist/scripts/rebuild-projection.js <service>                   lists the projections and their lag
 */
import { mintDevToken } from '@lib/auth';
import { randomUUID } from 'node:crypto';
import { LOCAL_SERVICES } from './services';

async function main(): Promise<void> {
  const [service, projection] = process.argv.slice(2);
  const known = LOCAL_SERVICES.find((s) => s.name === service);
  if (!known) throw new Error(`usage: rebuild-projection <${LOCAL_SERVICES.map((s) => s.name).join('|')}> [projection]`);
  const port = Number(process.env[`${known.name.toUpperCase()}_PORT`] ?? known.port);
  const token = await mintDevToken({ sub: randomUUID(), ws: randomUUID(), role: 'owner', expiresIn: '5m', secret: process.env.JWT_SECRET });
  const url = `http://127.0.0.1:${port}/v1/admin/projections${projection ? `/${encodeURIComponent(projection)}/rebuild` : ''}`;
  const response = await fetch(url, { method: projection ? 'POST' : 'GET', headers: { authorization: `Bearer ${token}` } });
  const body = await response.text();
  process.stdout.write(`${response.status} ${body}\n`);
  if (!response.ok) process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
