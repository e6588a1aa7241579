import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { declaredConfigVariables, loadServiceConfig, type ConfigClass, type ServiceConfig } from '@lib/service-kit';
import { AnalyticsConfig } from '../apps/analytics/src/analytics.config';
import { AssetsConfig } from '../apps/assets/src/assets.config';
import { ContentConfig } from '../apps/content/src/content.config';
import { LOCAL_SERVICES } from '../scripts/services';

/**
 * No Docker engine runs here, so docker-compose.yml is checked against what it must agree
 * with: each service's own configuration schema, the local ports, the database roles the
 * init script creates, and the image's entry point.
 */
const CONFIGS: Record<(typeof LOCAL_SERVICES)[number]['name'], ConfigClass<ServiceConfig>> = {
  content: ContentConfig,
  assets: AssetsConfig,
  analytics: AnalyticsConfig,
};

interface ComposeService {
  image?: string;
  command?: string[];
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const initSql = readFileSync(join(root, 'infra/postgres/init/01-service-roles.sql'), 'utf8');
const dockerfile = readFileSync(join(root, 'infra/Dockerfile'), 'utf8');

/** `${JWT_SECRET:-default}` as compose would substitute it with the variable unset. */
function substitute(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

describe('docker-compose.yml', () => {
  it('runs PostgreSQL and a NATS server with JetStream on file storage, both health-checked', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:15/);
    expect(compose.services.postgres.healthcheck).toBeDefined();
    const nats = compose.services.nats;
    expect(nats.command).toEqual(expect.arrayContaining(['-js', '-sd']));
    expect(nats.healthcheck?.test.join(' ')).toContain('js-enabled-only=true');
  });

  describe.each(LOCAL_SERVICES.map((s) => [s.name, s.port] as const))('%s', (name, port) => {
    const service = compose.services[name];
    const env = Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, substitute(String(v))]));

    it('is in the compose file, built from the shared Dockerfile for this service', () => {
      expect(service).toBeDefined();
      expect(service.build).toMatchObject({ context: '.', dockerfile: 'infra/Dockerfile', args: { SERVICE: name } });
      expect(dockerfile).toContain('dist/apps/${SERVICE}/src/main.js');
      expect(existsSync(join(root, 'apps', name, 'src', 'main.ts'))).toBe(true);
    });

    it('sets only variables its configuration declares, and they pass its validation in production mode', () => {
      const declared = declaredConfigVariables(CONFIGS[name]);
      expect(Object.keys(env).filter((key) => !declared.has(key))).toEqual([]);
      const config = loadServiceConfig(CONFIGS[name], name, { ...env, NODE_ENV: 'production' });
      expect(config).toMatchObject({ SERVICE_NAME: name, DATABASE_SCHEMA: name, PORT: port, HOST: '0.0.0.0' });
    });

    it('connects as its own database role to its own schema, both created by the init script', () => {
      const url = new URL(env.DATABASE_URL);
      expect(url.username).toBe(`${name}_svc`);
      expect(url.hostname).toBe('postgres');
      expect(initSql).toMatch(new RegExp(`ARRAY\\[[^\\]]*'${name}'`));
      expect(initSql).toContain("service || '_svc'");
      expect(new URL(env.NATS_URL).hostname).toBe('nats');
    });

    it('publishes its local port, waits for healthy dependencies and checks its own /health', () => {
      expect(service.ports).toContain(`${port}:${port}`);
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, nats: { condition: 'service_healthy' } });
      expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/health`);
    });
  });

  it('keeps the assets blobs on a named volume, in a directory the image gives its user', () => {
    const assets = compose.services.assets;
    const dataDir = assets.environment?.ASSETS_DATA_DIR ?? '';
    expect(dataDir).toMatch(/^\//);
    const mounts = (assets.volumes ?? []).map((volume) => volume.split(':'));
    const mount = mounts.find(([, target]) => dataDir === target || dataDir.startsWith(`${target}/`));
    expect(mount).toBeDefined();
    const [volume, target] = mount ?? [];
    expect(compose.volumes).toHaveProperty([volume]);
    // A new named volume copies the owner of its mount point from the image: the service runs as node.
    expect(dockerfile).toContain(`chown node:node ${target}`);
    expect(dockerfile.indexOf(`chown node:node ${target}`)).toBeLessThan(dockerfile.lastIndexOf('USER node'));
  });
});
