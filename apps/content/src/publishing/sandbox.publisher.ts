import { qualified } from '@lib/event-store';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { type Clock } from '@lib/service-kit';
import type { PublicationReceipt, PublicationRequest, Publisher } from './publisher.port';

/** Where the sandbox's fake posts "live"; `.invalid` never resolves. */
const SANDBOX_ORIGIN = 'https://sandbox.invalid';

/**
 * Publishes nowhere: records each publication in `sandbox_publications`, once per idempotency
 * key. A repeat of a key answers with the first publication, as a real receiver must.
 */
export class SandboxPublisher implements Publisher {
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly clock: Clock,
  ) {
    this.table = qualified(schema, 'sandbox_publications');
  }

  async publish(request: PublicationRequest): Promise<PublicationReceipt> {
    const externalId = `sandbox-${randomUUID()}`;
    const url = `${SANDBOX_ORIGIN}/${request.platform}/${externalId}`;
    // On a repeat the insert does nothing (after waiting for a concurrent first insert to
    // commit) and the first publication is read by a second statement, with a fresh snapshot.
    const inserted = await this.pool.query<{ external_id: string; url: string }>(
      `INSERT INTO ${this.table} AS s (idempotency_key, workspace_id, post_id, platform, text, media_asset_ids, external_id, url, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING s.external_id, s.url`,
      [request.idempotencyKey, request.workspaceId, request.postId, request.platform, request.text, request.mediaAssetIds, externalId, url, this.clock()],
    );
    const row =
      inserted.rows[0] ??
      (
        await this.pool.query<{ external_id: string; url: string }>(`SELECT s.external_id, s.url FROM ${this.table} AS s WHERE s.idempotency_key = $1`, [
          request.idempotencyKey,
        ])
      ).rows[0];
    return { externalId: row.external_id, url: row.url };
  }
}
