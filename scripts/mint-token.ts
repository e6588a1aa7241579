/**
 * Prints a development bearer token, signed as the services verify it when they run with
 * JWT_SECRET (or with the development secret when JWT_SECRET is unset):
 *
 *   node dist/scripts/mint-token.js --role editor [--ws <uuid>] [--sub <uuid>] [--ttl 1h]
 *
 * Missing ids are generated and reported on stderr, so `TOKEN=$(node …)` captures only the token.
 */
import { DEV_JWT_SECRET, isRole, isUuid, mintDevToken, ROLES, type Role } from '@lib/auth';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

const USAGE = `usage: mint-token --role <${ROLES.join('|')}> [--ws <uuid>] [--sub <uuid>] [--ttl <span, e.g. 15m, 1h, 7d>]
  [--issuer <iss>] [--audience <aud>]   (match JWT_ISSUER / JWT_AUDIENCE when the services set them)
Signs with JWT_SECRET, or the development secret when it is unset.`;

/** jose's span syntax, limited to the units worth using for a dev token. */
const TTL = /^\d+ ?(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$/;

interface Args {
  role: Role;
  ws: string;
  sub: string;
  ttl: string;
  issuer?: string;
  audience?: string;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      ws: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) exit(USAGE, 0);
  const { role, ws = randomUUID(), sub = randomUUID(), ttl, issuer, audience } = values;
  if (!isRole(role)) exit(`--role must be one of ${ROLES.join(', ')}\n${USAGE}`);
  if (!isUuid(ws)) exit('--ws must be a UUID');
  if (!isUuid(sub)) exit('--sub must be a UUID');
  if (!TTL.test(ttl)) exit('--ttl must be a span such as 30m, 1h or 7d');
  // Lower case, as the services normalise ids, so what is printed matches what they log and store.
  return { role, ws: ws.toLowerCase(), sub: sub.toLowerCase(), ttl, issuer, audience };
}

function exit(message: string, code = 2): never {
  (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    // parseArgs rejects unknown options and missing values with a readable message.
    exit(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const secret = process.env.JWT_SECRET || undefined;
  const { role, ws, sub, ttl, issuer, audience } = args;
  const token = await mintDevToken({ sub, ws, role, expiresIn: ttl, secret, issuer, audience });
  const signedWith = secret ? 'JWT_SECRET' : `the development default (${DEV_JWT_SECRET.slice(0, 8)}…)`;
  process.stderr.write(`role=${role} ws=${ws} sub=${sub} ttl=${ttl}, signed with ${signedWith}\n`);
  process.stdout.write(`${token}\n`);
}

void main();
