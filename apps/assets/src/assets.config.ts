import { MAX_ASSET_BYTES } from '@lib/contracts';
import { ServiceConfig } from '@lib/service-kit';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, IsUrl, Max, Min, MinLength, ValidateIf } from 'class-validator';

export const STORAGE_DRIVERS = ['local', 's3'] as const;
export type StorageDriver = (typeof STORAGE_DRIVERS)[number];

const usesS3 = (config: AssetsConfig): boolean => config.ASSETS_STORAGE_DRIVER === 's3';

/** The assets service's environment: ServiceConfig's, plus blob storage, upload limit and sweeps. */
export class AssetsConfig extends ServiceConfig {
  override PORT = 3002;

  /** `local`: files under ASSETS_DATA_DIR; `s3`: a bucket of any S3-compatible server. */
  @IsIn(STORAGE_DRIVERS)
  ASSETS_STORAGE_DRIVER: StorageDriver = 'local';

  /** The local driver's blobs, and with either driver the uploads being received (`<dir>/tmp`). */
  @IsString()
  @MinLength(1)
  ASSETS_DATA_DIR = './data/assets';

  /** Unset: AWS itself; else MinIO, R2, Ceph… */
  @ValidateIf((config: AssetsConfig) => usesS3(config) && config.ASSETS_S3_ENDPOINT !== undefined)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'ASSETS_S3_ENDPOINT must be an http(s) URL' })
  ASSETS_S3_ENDPOINT?: string;

  @ValidateIf(usesS3)
  @IsString({ message: 'ASSETS_S3_REGION is required when ASSETS_STORAGE_DRIVER=s3' })
  @MinLength(1)
  ASSETS_S3_REGION?: string;

  @ValidateIf(usesS3)
  @IsString({ message: 'ASSETS_S3_BUCKET is required when ASSETS_STORAGE_DRIVER=s3' })
  @MinLength(1)
  ASSETS_S3_BUCKET?: string;

  /** With ASSETS_S3_SECRET_ACCESS_KEY, or neither: the SDK's own chain (instance or task role). */
  @ValidateIf((config: AssetsConfig) => usesS3(config) && config.ASSETS_S3_SECRET_ACCESS_KEY !== undefined)
  @IsString({ message: 'ASSETS_S3_ACCESS_KEY_ID is required with ASSETS_S3_SECRET_ACCESS_KEY' })
  ASSETS_S3_ACCESS_KEY_ID?: string;

  @ValidateIf((config: AssetsConfig) => usesS3(config) && config.ASSETS_S3_ACCESS_KEY_ID !== undefined)
  @IsString({ message: 'ASSETS_S3_SECRET_ACCESS_KEY is required with ASSETS_S3_ACCESS_KEY_ID' })
  ASSETS_S3_SECRET_ACCESS_KEY?: string;

  /** `endpoint/bucket/key` addressing, which most self-hosted servers need. */
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'ASSETS_S3_FORCE_PATH_STYLE must be true or false' })
  ASSETS_S3_FORCE_PATH_STYLE = false;

  /** The largest file accepted; the stream is cut and refused (413) past it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ASSET_BYTES)
  ASSETS_MAX_UPLOAD_BYTES = MAX_ASSET_BYTES;

  /** How often staged assets past their expiry are looked for. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  ASSETS_EXPIRY_SWEEP_INTERVAL_MS = 60_000;

  /** How often stored blobs nothing references, and abandoned temp files, are looked for (a full listing of the storage). */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  ASSETS_ORPHAN_SWEEP_INTERVAL_MS = 3_600_000;

  /**
   * Blobs and temp files younger than this are left alone: a blob may be stored a moment before
   * its upload is registered, and a temp file belongs to an upload still arriving.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  ASSETS_ORPHAN_GRACE_MS = 3_600_000;
}
