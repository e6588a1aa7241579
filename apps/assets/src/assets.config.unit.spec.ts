import { MAX_ASSET_BYTES } from '@lib/contracts';
import { ConfigValidationError, loadServiceConfig } from '@lib/service-kit';
import { AssetsConfig } from './assets.config';

const load = (env: Record<string, string>) => loadServiceConfig(AssetsConfig, 'assets', env);
const S3 = { ASSETS_STORAGE_DRIVER: 's3', ASSETS_S3_BUCKET: 'assets', ASSETS_S3_REGION: 'eu-west-1' };

describe('AssetsConfig', () => {
  it('defaults to port 3002, local storage under ./data/assets and uploads up to 1 GiB', () => {
    expect(load({})).toMatchObject({
      PORT: 3002,
      DATABASE_SCHEMA: 'assets',
      ASSETS_STORAGE_DRIVER: 'local',
      ASSETS_DATA_DIR: './data/assets',
      ASSETS_S3_FORCE_PATH_STYLE: false,
      ASSETS_MAX_UPLOAD_BYTES: MAX_ASSET_BYTES,
      ASSETS_EXPIRY_SWEEP_INTERVAL_MS: 60_000,
      ASSETS_ORPHAN_SWEEP_INTERVAL_MS: 3_600_000,
      ASSETS_ORPHAN_GRACE_MS: 3_600_000,
    });
  });

  it('reads an S3 bucket with its endpoint, keys and path style', () => {
    const config = load({
      ...S3,
      ASSETS_S3_ENDPOINT: 'http://minio:9000',
      ASSETS_S3_ACCESS_KEY_ID: 'id',
      ASSETS_S3_SECRET_ACCESS_KEY: 'secret',
      ASSETS_S3_FORCE_PATH_STYLE: 'true',
    });
    expect(config).toMatchObject({ ASSETS_S3_ENDPOINT: 'http://minio:9000', ASSETS_S3_FORCE_PATH_STYLE: true, ASSETS_S3_ACCESS_KEY_ID: 'id' });
    // Without keys the SDK's own chain (an instance or task role) signs.
    expect(load(S3)).toMatchObject({ ASSETS_S3_ACCESS_KEY_ID: undefined, ASSETS_S3_SECRET_ACCESS_KEY: undefined });
  });

  it('refuses S3 without its bucket and region, a key without its secret, and says which', () => {
    expect(() => load({ ASSETS_STORAGE_DRIVER: 's3' })).toThrow(/ASSETS_S3_REGION is required when ASSETS_STORAGE_DRIVER=s3[\s\S]*ASSETS_S3_BUCKET is required/);
    expect(() => load({ ...S3, ASSETS_S3_ACCESS_KEY_ID: 'id' })).toThrow('ASSETS_S3_SECRET_ACCESS_KEY is required with ASSETS_S3_ACCESS_KEY_ID');
    expect(() => load({ ...S3, ASSETS_S3_ENDPOINT: 'minio:9000' })).toThrow('ASSETS_S3_ENDPOINT must be an http(s) URL');
    // Only the s3 driver needs them.
    expect(load({ ASSETS_S3_ACCESS_KEY_ID: 'id' }).ASSETS_STORAGE_DRIVER).toBe('local');
  });

  it('refuses values out of range', () => {
    const envs: Record<string, string>[] = [
      { ASSETS_STORAGE_DRIVER: 'ftp' },
      { ASSETS_MAX_UPLOAD_BYTES: String(MAX_ASSET_BYTES + 1) },
      { ASSETS_MAX_UPLOAD_BYTES: '0' },
      { ASSETS_EXPIRY_SWEEP_INTERVAL_MS: '10' },
      { ASSETS_ORPHAN_GRACE_MS: 'soon' },
      { ASSETS_S3_FORCE_PATH_STYLE: 'yes' },
    ];
    for (const env of envs) expect(() => load(env)).toThrow(ConfigValidationError);
  });
});
