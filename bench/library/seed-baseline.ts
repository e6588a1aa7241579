/**
 * The baseline: the seed's write tables (../shared/seeds/002: user_library, user_collections),
 * a post_media_links table for usage, the same library loaded into them, and the library's
 * views answered from them on read with COUNT(*) and JOINs, as a team on that design would.
 */
import type { Pool } from 'pg';
import { blobKey } from '../../apps/assets/src/storage/blob-storage.port';
import type { LoadedLibrary } from './load';

/**
 * The indexes beyond the seed's own, each what a team would add for these queries (the seed's
 * two user indexes get the id as a tie-break, for keyset pages).
 */
export const ADDED_INDEXES: readonly { name: string; why: string }[] = [
  { name: 'user_library (user_id, created_at DESC, id DESC)', why: "seed's idx_library_user_created plus id: a user's items newest first, keyset pages" },
  { name: 'user_collections (user_id, created_at DESC, id DESC)', why: "seed's idx_collections_user plus id: a user's collections newest first" },
  { name: 'user_library (collection_id, created_at DESC, id DESC)', why: "a collection's items newest first; COUNT(*) per collection (index-only)" },
  { name: 'user_library (collection_id, collection_added_at DESC, id DESC)', why: "a collection's cover (its item added last)" },
  { name: 'user_library USING gin (tags)', why: 'the tag filter (tags @> ARRAY[tag])' },
  { name: 'user_library USING gin (library_search_vector(custom_title, tags, original_prompt))', why: 'free text, the same tsvector as the view (an expression index)' },
  { name: 'post_media_links (library_id)', why: 'usage: COUNT(*) of the posts using an item, its last use' },
];

/** Differences from the seed's DDL, all needed to run it here or to answer the same views. */
export const SEED_CHANGES: readonly string[] = [
  'no REFERENCES auth.users (no auth schema here) and no RLS policies (the queries filter by user_id themselves)',
  'user_library.collection_added_at added: without it the seed cannot tell a collection\'s cover (its item added last)',
  "user_collections.asset_count kept but unused: its trigger counts only INSERT and DELETE, so a move (UPDATE collection_id) leaves it wrong; the issue's baseline is COUNT(*)",
  'post_media_links (post_id, library_id, attached_at, detached_at): the seed has no usage table; one row per (post, item), detached_at set once detached',
];

export type BaselineFilter = { collectionId: string } | { tag: string } | { q: string };

export interface BaselineCursor {
  createdAt: Date;
  id: string;
}

export interface BaselineItemRow {
  id: string;
  user_id: string;
  asset_type: string;
  storage_path: string;
  file_size_bytes: string;
  mime_type: string;
  duration_seconds: string | null;
  original_prompt: string;
  model_used: string;
  generation_seed: string | null;
  collection_id: string | null;
  collection_name: string | null;
  custom_title: string | null;
  tags: string[];
  is_favorite: boolean;
  visibility: string;
  created_at: Date;
  updated_at: Date;
  usage_count: number;
  last_used_at: Date | null;
}

export interface BaselineCollectionRow {
  id: string;
  user_id: string;
  name: string;
  description: string | null;
  created_at: Date;
  item_count: number;
  cover_item_id: string | null;
}

const ITEM_COLUMNS = `l.id, l.user_id, l.asset_type, l.storage_path, l.file_size_bytes, l.mime_type, l.duration_seconds, l.original_prompt, l.model_used,
  l.generation_seed, l.collection_id, l.custom_title, l.tags, l.is_favorite, l.visibility, l.created_at, l.updated_at`;

const INSERT_CHUNK = 5_000;

export class SeedBaseline {
  private readonly library: string;
  private readonly collections: string;
  private readonly links: string;
  private readonly searchVector: string;

  constructor(
    private readonly pool: Pool,
    readonly schema: string,
  ) {
    this.library = `"${schema}".user_library`;
    this.collections = `"${schema}".user_collections`;
    this.links = `"${schema}".post_media_links`;
    this.searchVector = `"${schema}".library_search_vector`;
  }

  async create(): Promise<void> {
    const statements = [
      `CREATE SCHEMA "${this.schema}"`,
      `CREATE TABLE ${this.collections} (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id UUID NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        asset_count INTEGER DEFAULT 0,
        created_at TIMESTAMPTZ DEFAULT NOW()
      )`,
      `CREATE TABLE ${this.library} (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id UUID NOT NULL,
        asset_type TEXT NOT NULL CHECK (asset_type IN ('image', 'video')),
        storage_path TEXT NOT NULL,
        file_size_bytes BIGINT NOT NULL,
        mime_type TEXT NOT NULL,
        duration_seconds DECIMAL(10,3),
        original_prompt TEXT NOT NULL,
        model_used TEXT NOT NULL,
        generation_seed BIGINT,
        collection_id UUID REFERENCES ${this.collections}(id) ON DELETE SET NULL,
        custom_title TEXT,
        tags TEXT[] DEFAULT '{}',
        is_favorite BOOLEAN DEFAULT FALSE,
        visibility TEXT DEFAULT 'private' CHECK (visibility IN ('private', 'unlisted', 'public')),
        created_at TIMESTAMPTZ DEFAULT NOW(),
        updated_at TIMESTAMPTZ DEFAULT NOW(),
        collection_added_at TIMESTAMPTZ
      )`,
      `CREATE TABLE ${this.links} (
        post_id UUID NOT NULL,
        library_id UUID NOT NULL REFERENCES ${this.library}(id) ON DELETE CASCADE,
        attached_at TIMESTAMPTZ NOT NULL,
        detached_at TIMESTAMPTZ,
        PRIMARY KEY (post_id, library_id)
      )`,
      // The view's own search function (assets migration), so that free text matches the same rows.
      `CREATE FUNCTION ${this.searchVector}(title text, tags text[], prompt text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
                  || setweight(to_tsvector('simple'::regconfig, array_to_string(tags, ' ')), 'B')
                  || setweight(to_tsvector('simple'::regconfig, prompt), 'C') $$`,
    ];
    for (const statement of statements) await this.pool.query(statement);
  }

  /** Loads the same library (the items' and collections' final states, the posts' media), then builds the indexes. */
  async load(data: LoadedLibrary): Promise<void> {
    const collections = data.collections;
    for (let i = 0; i < collections.length; i += INSERT_CHUNK) {
      const chunk = collections.slice(i, i + INSERT_CHUNK);
      await this.pool.query(
        `INSERT INTO ${this.collections} (id, user_id, name, description, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])`,
        [chunk.map((c) => c.collectionId), chunk.map((c) => c.userId), chunk.map((c) => c.name), chunk.map((c) => c.description), chunk.map((c) => c.createdAt)],
      );
    }
    for (let i = 0; i < data.items.length; i += INSERT_CHUNK) {
      const chunk = data.items.slice(i, i + INSERT_CHUNK);
      const column = <T>(f: (x: LoadedLibrary['items'][number]) => T) => chunk.map(f);
      await this.pool.query(
        `INSERT INTO ${this.library} (id, user_id, asset_type, storage_path, file_size_bytes, mime_type, duration_seconds, original_prompt, model_used,
           generation_seed, collection_id, custom_title, tags, is_favorite, visibility, created_at, updated_at, collection_added_at)
         SELECT id, user_id, asset_type, storage_path, file_size_bytes, mime_type, duration_seconds, original_prompt, model_used, generation_seed,
           collection_id, custom_title, string_to_array(tags, chr(31)), is_favorite, visibility, created_at, updated_at, collection_added_at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::numeric[], $8::text[], $9::text[], $10::bigint[],
           $11::uuid[], $12::text[], $13::text[], $14::boolean[], $15::text[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[])
           AS t(id, user_id, asset_type, storage_path, file_size_bytes, mime_type, duration_seconds, original_prompt, model_used, generation_seed,
             collection_id, custom_title, tags, is_favorite, visibility, created_at, updated_at, collection_added_at)`,
        [
          column((x) => x.item.itemId),
          column((x) => x.item.userId),
          column((x) => x.item.blob.assetType),
          column((x) => blobKey(x.item.blob.sha256)),
          column((x) => x.item.blob.sizeBytes),
          column((x) => x.item.blob.mimeType),
          column((x) => x.item.durationSeconds),
          column((x) => x.item.prompt),
          column((x) => x.item.model),
          column((x) => x.item.seed),
          column((x) => x.item.collectionId),
          column((x) => x.item.title),
          // text[][] must be rectangular: each item's tags travel as one string, split on a separator no tag contains.
          column((x) => x.item.tags.join('\u001f')),
          column((x) => x.item.favorite),
          column((x) => x.item.visibility),
          column((x) => x.item.savedAt),
          column((x) => x.item.updatedAt),
          column((x) => x.collectionAddedAt),
        ],
      );
    }
    for (let i = 0; i < data.usage.length; i += INSERT_CHUNK) {
      const chunk = data.usage.slice(i, i + INSERT_CHUNK);
      await this.pool.query(
        `INSERT INTO ${this.links} (post_id, library_id, attached_at, detached_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[])`,
        [chunk.map((u) => u.postId), chunk.map((u) => u.itemId), chunk.map((u) => u.attachedAt), chunk.map((u) => u.detachedAt)],
      );
    }
    const indexes = [
      `CREATE INDEX idx_library_user_created ON ${this.library} (user_id, created_at DESC, id DESC)`,
      `CREATE INDEX idx_collections_user ON ${this.collections} (user_id, created_at DESC, id DESC)`,
      `CREATE INDEX user_library_collection_recent_idx ON ${this.library} (collection_id, created_at DESC, id DESC)`,
      `CREATE INDEX user_library_collection_cover_idx ON ${this.library} (collection_id, collection_added_at DESC, id DESC)`,
      `CREATE INDEX user_library_tags_idx ON ${this.library} USING gin (tags)`,
      `CREATE INDEX user_library_search_idx ON ${this.library} USING gin (${this.searchVector}(custom_title, tags, original_prompt))`,
      `CREATE INDEX post_media_links_library_idx ON ${this.links} (library_id)`,
    ];
    for (const statement of indexes) await this.pool.query(statement);
  }

  /** A user's items, newest first, after `after`: `limit + 1` rows (the extra one says another page exists). */
  async list(userId: string, filter: BaselineFilter, after: BaselineCursor | null, limit: number): Promise<BaselineItemRow[]> {
    const params: unknown[] = [userId];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = ['l.user_id = $1'];
    if ('collectionId' in filter) where.push(`l.collection_id = ${param(filter.collectionId)}`);
    else if ('tag' in filter) where.push(`l.tags @> ARRAY[${param(filter.tag)}]::text[]`);
    else where.push(`${this.searchVector}(l.custom_title, l.tags, l.original_prompt) @@ websearch_to_tsquery('simple', ${param(filter.q)})`);
    if (after !== null) where.push(`(l.created_at, l.id) < (${param(after.createdAt)}::timestamptz, ${param(after.id)}::uuid)`);
    // The page first, then its collection names and usage counts: only its rows are joined and counted.
    const result = await this.pool.query<BaselineItemRow>(
      `WITH page AS (
         SELECT ${ITEM_COLUMNS} FROM ${this.library} AS l
         WHERE ${where.join(' AND ')}
         ORDER BY l.created_at DESC, l.id DESC
         LIMIT ${param(limit + 1)}
       )
       SELECT p.*, c.name AS collection_name,
         (SELECT count(*) FROM ${this.links} AS m WHERE m.library_id = p.id AND m.detached_at IS NULL)::int AS usage_count,
         (SELECT max(m.attached_at) FROM ${this.links} AS m WHERE m.library_id = p.id) AS last_used_at
       FROM page AS p LEFT JOIN ${this.collections} AS c ON c.id = p.collection_id
       ORDER BY p.created_at DESC, p.id DESC`,
      params,
    );
    return result.rows;
  }

  /** A user's collections, newest first, each with its item count (COUNT(*)) and cover: `limit + 1` rows. */
  async listCollections(userId: string, limit: number): Promise<BaselineCollectionRow[]> {
    const result = await this.pool.query<BaselineCollectionRow>(
      `WITH page AS (
         SELECT c.id, c.user_id, c.name, c.description, c.created_at FROM ${this.collections} AS c
         WHERE c.user_id = $1
         ORDER BY c.created_at DESC, c.id DESC
         LIMIT $2
       )
       SELECT p.*,
         (SELECT count(*) FROM ${this.library} AS l WHERE l.collection_id = p.id)::int AS item_count,
         (SELECT l.id FROM ${this.library} AS l WHERE l.collection_id = p.id ORDER BY l.collection_added_at DESC, l.id DESC LIMIT 1) AS cover_item_id
       FROM page AS p
       ORDER BY p.created_at DESC, p.id DESC`,
      [userId, limit + 1],
    );
    return result.rows;
  }
}
