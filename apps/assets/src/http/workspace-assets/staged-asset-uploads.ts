import { Inject, Injectable } from '@nestjs/common';
import { type RequestContext, StrictValidationPipe, ValidationError } from '@lib/service-kit';
import type { IncomingMessage } from 'node:http';
import { AssetsConfig } from '../../assets.config';
import { BLOB_STORAGE } from '../../assets.tokens';
import { MAX_DURATION_SECONDS, type GenerationInput } from '../../domain';
import { BlobReferences } from '../../staging/blob-references';
import { StagingService, type RegisteredStagedAsset } from '../../staging/staging.service';
import type { BlobStorage } from '../../storage';
import { discardUpload, receiveUpload, storeUpload, type ReceivedUpload } from '../../upload';
import { UploadStagedAssetFieldsDto } from './workspace-asset.dto';

/**
 * An upload, from the request to a staged asset: the body streams to a temporary file (never
 * through a body parser), the fields are checked as any DTO is, then the file is stored under
 * its SHA-256 and registered. Each refusal leaves nothing stored: receiveUpload deletes what it
 * refuses, bad fields discard the file, and bytes this request stored for a registration that
 * failed are deleted again.
 */
@Injectable()
export class StagedAssetUploads {
  // The global pipe's rules and error shape, for fields that reach no @Body().
  private readonly fields = new StrictValidationPipe();

  constructor(
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly staging: StagingService,
    private readonly blobs: BlobReferences,
    private readonly config: AssetsConfig,
  ) {}

  async stage(context: RequestContext, request: IncomingMessage): Promise<RegisteredStagedAsset> {
    const upload = await receiveUpload(request, { tempDir: this.storage.tempDir, maxBytes: this.config.ASSETS_MAX_UPLOAD_BYTES });
    let generation: GenerationInput;
    try {
      generation = await this.generationOf(upload);
    } catch (error) {
      await discardUpload(upload);
      throw error;
    }
    const { blob, created } = await storeUpload(this.storage, upload);
    let registered: RegisteredStagedAsset;
    try {
      registered = await this.staging.registerStagedAsset(context, { ...blob, generation });
    } catch (error) {
      await this.forgetUnregistered(blob.sha256, created);
      throw error;
    }
    // The job's asset was staged before, with other bytes: these are held by nothing.
    if (registered.asset.sha256 !== blob.sha256) await this.forgetUnregistered(blob.sha256, created);
    return registered;
  }

  /**
   * Deletes bytes this request stored and nothing registered, now rather than at the orphan
   * sweep; unless the same bytes were registered meanwhile (deleteReleased checks under the
   * blob's lock). Bytes stored before this request are someone else's to keep.
   */
  private async forgetUnregistered(sha256: string, storedByThisRequest: boolean): Promise<void> {
    if (storedByThisRequest) await this.blobs.deleteReleased([sha256]);
  }

  private async generationOf(upload: ReceivedUpload): Promise<GenerationInput> {
    const fields = (await this.fields.transform(upload.fields, { type: 'body', metatype: UploadStagedAssetFieldsDto })) as UploadStagedAssetFieldsDto;
    if (upload.assetType === 'image' && fields.durationSeconds !== undefined) {
      const message = 'durationSeconds is for videos only';
      throw new ValidationError(message, { fields: { durationSeconds: [message] } });
    }
    return {
      jobId: fields.jobId,
      assetIndex: fields.assetIndex,
      seed: fields.generationSeed,
      prompt: fields.prompt,
      model: fields.model,
      settings: fields.settings,
      durationSeconds: upload.assetType === 'video' ? (fields.durationSeconds ?? plausibleDuration(upload.durationSeconds)) : null,
    };
  }
}

/** The file's own duration, unless it is one the domain would refuse (a client's value is checked as a field). */
function plausibleDuration(seconds: number | null): number | null {
  return seconds !== null && seconds > 0 && seconds <= MAX_DURATION_SECONDS ? seconds : null;
}
