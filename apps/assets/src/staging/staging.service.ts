import { workspaceAssetStreamId, type AssetMimeType, type AssetType } from '@lib/contracts';
import { inTransaction, qualified, type PostgresEventStore } from '@lib/event-store';
import { asApplicationErrors, type Clock, decodeCursor, eventMetadata, NotFoundError, type Page, pageLimit, type RequestContext, toPage } from '@lib/service-kit';
import type { Pool } from 'pg';
import { workspaceAssetCommandHandler, type WorkspaceAssetCommandHandler } from '../assets-event-store';
import { isUuid, stagedAssetId, workspaceAssetExists, type GenerationInput } from '../domain';
import { isCursorInstant } from '../list-cursor';
import { STAGING_ASSETS } from '../projections/staging.projection';
import { domainActor } from '../request-context';
import type { BlobReferences } from './blob-references';
import { stagedAssetView, type StagedAssetSummaryView, type StagedAssetView } from './staged-asset.views';

/** A generated file whose bytes are in storage already, under their SHA-256. */
export interface RegisterStagedAssetInput {
  sha256: string;
  sizeBytes: number;
  /** As detected from the bytes. */
  mimeType: string;
  assetType: string;
  generation: GenerationInput;
}

export interface RegisteredStagedAsset {
  asset: StagedAssetView;
  /** false: this job's asset was staged already, and `asset` is that one (nothing was written). */
  created: boolean;
}

export interface StagingListQuery {
  limit?: number;
  cursor?: string;
}

interface ListCursor {
  expiresAt: string;
  id: string;
}

interface StagingRow {
  asset_id: string;
  version: string;
  user_id: string;
  asset_type: AssetType;
  mime_type: AssetMimeType;
  size_bytes: string;
  sha256: string;
  job_id: string;
  asset_index: number;
  seed: string;
  prompt: string;
  model: string;
  settings: Record<string, unknown>;
  duration_seconds: number | null;
  saved_item_id: string | null;
  created_at: Date;
  expires_at: Date;
}

/**
 * The staging use cases: a generated asset lands in its user's workspace (and its blob in the
 * ledger, in the same transaction), is discarded, or expires (ExpirySweep). Commands go to the
 * asset's stream; `get` and `list` read staging_assets, which follows within moments. Staged
 * assets are their user's alone: another user's answers 404.
 */
export class StagingService {
  private readonly assets: WorkspaceAssetCommandHandler;
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    store: PostgresEventStore,
    private readonly clock: Clock,
    private readonly blobs: BlobReferences,
  ) {
    this.assets = workspaceAssetCommandHandler(store);
    this.table = qualified(store.schema, STAGING_ASSETS);
  }

  /**
   * Stages a generated asset whose bytes the caller has put in storage. The same (user, job,
   * index) again answers the asset already staged, with `created: false`, and writes nothing.
   */
  registerStagedAsset(context: RequestContext, input: RegisterStagedAssetInput): Promise<RegisteredStagedAsset> {
    return asApplicationErrors(async () => {
      const actor = domainActor(context);
      const { generation } = input;
      // Derived from the input as given: the decider checks it, after the input's own rules.
      const assetId = stagedAssetId(actor.workspaceId, actor.userId, String(generation?.jobId), Number(generation?.assetIndex));
      const result = await inTransaction(this.pool, async (client) => {
        const handled = await this.assets.handle(
          workspaceAssetStreamId(assetId),
          {
            type: 'AddWorkspaceAsset',
            actor,
            now: this.clock(),
            assetId,
            blob: { sha256: input.sha256, sizeBytes: input.sizeBytes, mimeType: input.mimeType, assetType: input.assetType },
            generation,
          },
          { metadata: eventMetadata(context), client },
        );
        await this.blobs.record(client, actor.workspaceId, handled.events);
        return handled;
      });
      if (!workspaceAssetExists(result.state)) throw new NotFoundError('workspace asset not found');
      return { asset: stagedAssetView(result.state, result.version), created: result.events.length > 0 };
    });
  }

  /** Discards the caller's staged asset; its blob's bytes go once nothing else holds them. */
  async discard(context: RequestContext, assetId: string): Promise<void> {
    const released = await asApplicationErrors(() =>
      inTransaction(this.pool, async (client) => {
        const handled = await this.assets.handle(
          workspaceAssetStreamId(assetId),
          { type: 'DiscardWorkspaceAsset', actor: domainActor(context), now: this.clock() },
          { metadata: eventMetadata(context), client },
        );
        return this.blobs.record(client, context.actor.workspaceId, handled.events);
      }),
    );
    await this.blobs.deleteReleased(released);
  }

  /** One of the caller's live staged assets. */
  async get(context: RequestContext, assetId: string): Promise<StagedAssetSummaryView> {
    if (!isUuid(assetId)) throw new NotFoundError('workspace asset not found');
    const result = await this.pool.query<StagingRow>(
      `SELECT ${COLUMNS} FROM ${this.table} AS s WHERE s.asset_id = $1 AND s.workspace_id = $2 AND s.user_id = $3`,
      [assetId.toLowerCase(), context.actor.workspaceId, context.actor.userId],
    );
    if (result.rows.length === 0) throw new NotFoundError('workspace asset not found');
    return rowView(result.rows[0]);
  }

  /** The caller's live staged assets, soonest to expire first. */
  async list(context: RequestContext, query: StagingListQuery = {}): Promise<Page<StagedAssetSummaryView>> {
    const limit = pageLimit(query.limit);
    const params: unknown[] = [context.actor.workspaceId, context.actor.userId];
    let after = '';
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, isListCursor);
      params.push(cursor.expiresAt, cursor.id);
      after = 'AND (s.expires_at, s.asset_id) > ($3::timestamptz, $4::uuid)';
    }
    params.push(limit + 1);
    const result = await this.pool.query<StagingRow>(
      `SELECT ${COLUMNS} FROM ${this.table} AS s
       WHERE s.workspace_id = $1 AND s.user_id = $2 ${after}
       ORDER BY s.expires_at, s.asset_id
       LIMIT $${params.length}`,
      params,
    );
    return toPage(result.rows.map(rowView), limit, (last): ListCursor => ({ expiresAt: last.expiresAt, id: last.id }));
  }
}

const COLUMNS = `s.asset_id, s.version, s.user_id, s.asset_type, s.mime_type, s.size_bytes, s.sha256, s.job_id, s.asset_index, s.seed, s.prompt,
  s.model, s.settings, s.duration_seconds, s.saved_item_id, s.created_at, s.expires_at`;

function rowView(row: StagingRow): StagedAssetSummaryView {
  return {
    id: row.asset_id,
    version: Number(row.version),
    ownerId: row.user_id,
    status: 'staged',
    assetType: row.asset_type,
    mimeType: row.mime_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    generation: {
      jobId: row.job_id,
      assetIndex: row.asset_index,
      seed: Number(row.seed),
      prompt: row.prompt,
      model: row.model,
      settings: row.settings,
      durationSeconds: row.duration_seconds,
    },
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    savedItemId: row.saved_item_id,
  };
}

function isListCursor(value: unknown): value is ListCursor {
  const cursor = value as Partial<ListCursor> | null;
  return typeof cursor === 'object' && cursor !== null && isCursorInstant(cursor.expiresAt) && isUuid(cursor.id);
}
