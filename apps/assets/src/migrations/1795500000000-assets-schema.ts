import { eventStoreSchemaSql, qualified } from '@lib/event-store';
import { messagingSchemaSql } from '@lib/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The assets service's first schema: the event store, the messaging tables, the blob ledger
 * (write side: changed in the transaction of the event that adds or drops a holder) and the
 * read models (staging_assets; library_items, collections and media_usage). Frozen once
 * released: later changes go into new migrations.
 */
export class AssetsSchema1795500000000 implements MigrationInterface {
  readonly name = 'AssetsSchema1795500000000';

  constructor(private readonly schema: string) {}

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [...eventStoreSchemaSql(this.schema), ...messagingSchemaSql(this.schema), ...this.assetsTables()];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const tables = [
      'media_usage',
      'collections',
      'library_items',
      'staging_assets',
      'blob_references',
      'blobs',
      'inbox',
      'outbox_checkpoint',
      'projection_dead_letters',
      'projection_checkpoints',
      'events',
      'streams',
    ];
    for (const table of tables) await queryRunner.query(`DROP TABLE IF EXISTS ${qualified(this.schema, table)}`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "${this.schema}".library_search_vector(text, text[], text)`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "${this.schema}".events_are_append_only()`);
  }

  private assetsTables(): string[] {
    const t = (name: string): string => qualified(this.schema, name);
    return [
      // Write side, never rebuilt: the stored bytes, once per content (their SHA-256), and who
      // holds them (a staged asset, a library item). A holder's row is added or dropped in the
      // transaction that appends its event; the blob's row goes with its last holder, and the
      // bytes are deleted after that commit.
      `CREATE TABLE ${t('blobs')} (
        sha256     text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        size_bytes bigint      NOT NULL CHECK (size_bytes > 0),
        mime_type  text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      // The primary key leads with sha256: "is anyone left holding this blob" is one index probe,
      // and so is the foreign key's check when a blob row is deleted.
      `CREATE TABLE ${t('blob_references')} (
        sha256       text NOT NULL REFERENCES ${t('blobs')} (sha256),
        holder_id    uuid NOT NULL,
        holder_kind  text NOT NULL CHECK (holder_kind IN ('workspace_asset', 'library_item')),
        workspace_id uuid NOT NULL,
        PRIMARY KEY (sha256, holder_id)
      )`,

      // Read model (projection staging): staged assets still live; a row goes when its asset
      // expires or is discarded. Times come from the events, so a rebuild reproduces them.
      `CREATE TABLE ${t('staging_assets')} (
        asset_id         uuid             PRIMARY KEY,
        workspace_id     uuid             NOT NULL,
        user_id          text             NOT NULL,
        asset_type       text             NOT NULL,
        mime_type        text             NOT NULL,
        size_bytes       bigint           NOT NULL,
        sha256           text             NOT NULL,
        job_id           uuid             NOT NULL,
        asset_index      integer          NOT NULL,
        seed             bigint           NOT NULL,
        prompt           text             NOT NULL,
        model            text             NOT NULL,
        settings         jsonb            NOT NULL,
        duration_seconds double precision,
        saved_item_id    uuid,
        version          bigint           NOT NULL,
        created_at       timestamptz      NOT NULL,
        expires_at       timestamptz      NOT NULL
      )`,
      // A user's staged assets, soonest to expire first (the staging list and its cursor).
      `CREATE INDEX staging_assets_user_expiry_idx ON ${t('staging_assets')} (workspace_id, user_id, expires_at, asset_id)`,
      // The expiry sweep: due assets across workspaces, oldest due first.
      `CREATE INDEX staging_assets_due_idx ON ${t('staging_assets')} (expires_at, asset_id)`,
      // A removed library item clears the savedItemId of the staged asset it came from.
      `CREATE INDEX staging_assets_saved_item_idx ON ${t('staging_assets')} (saved_item_id) WHERE saved_item_id IS NOT NULL`,

      // What the library's free-text filter searches: the title first, then the tags, then the
      // prompt. 'simple': prompts and tags are in any language, and tags must match as typed.
      // IMMUTABLE so a generated column may use it (array_to_string is only STABLE in general,
      // but for text[] its result depends on nothing but its arguments).
      `CREATE FUNCTION "${this.schema}".library_search_vector(title text, tags text[], prompt text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
                  || setweight(to_tsvector('simple'::regconfig, array_to_string(tags, ' ')), 'B')
                  || setweight(to_tsvector('simple'::regconfig, prompt), 'C') $$`,
      // Read model (projection library_views): one row per library item, with its collection's
      // name, its usage by posts (media_usage, same workspace only) and its search vector.
      // collection_added_at: when it entered its collection, for the collection's cover.
      `CREATE TABLE ${t('library_items')} (
        item_id             uuid             PRIMARY KEY,
        workspace_id        uuid             NOT NULL,
        user_id             text             NOT NULL,
        source_asset_id     uuid             NOT NULL,
        sha256              text             NOT NULL,
        size_bytes          bigint           NOT NULL,
        mime_type           text             NOT NULL,
        asset_type          text             NOT NULL,
        prompt              text             NOT NULL,
        model               text             NOT NULL,
        seed                bigint,
        duration_seconds    double precision,
        title               text,
        title_key           text             NOT NULL GENERATED ALWAYS AS (lower(coalesce(title, ''))) STORED,
        tags                text[]           NOT NULL,
        favorite            boolean          NOT NULL,
        visibility          text             NOT NULL CHECK (visibility IN ('private', 'unlisted', 'public')),
        collection_id       uuid,
        collection_name     text,
        collection_added_at timestamptz,
        usage_count         integer          NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
        last_used_at        timestamptz,
        search              tsvector         NOT NULL GENERATED ALWAYS AS ("${this.schema}".library_search_vector(title, tags, prompt)) STORED,
        version             bigint           NOT NULL,
        created_at          timestamptz      NOT NULL,
        updated_at          timestamptz      NOT NULL
      )`,
      // Lists page by a row comparison on their sort key and the id, in the index's order, so a
      // page after a cursor is one index range. A user's items newest first:
      `CREATE INDEX library_items_user_recent_idx ON ${t('library_items')} (workspace_id, user_id, created_at DESC, item_id DESC)`,
      // ... by title (untitled ones first: their key is ''):
      `CREATE INDEX library_items_user_title_idx ON ${t('library_items')} (workspace_id, user_id, title_key, item_id)`,
      // ... favourites only, and one type only:
      `CREATE INDEX library_items_user_favorite_idx ON ${t('library_items')} (workspace_id, user_id, created_at DESC, item_id DESC) WHERE favorite`,
      `CREATE INDEX library_items_user_type_idx ON ${t('library_items')} (workspace_id, user_id, asset_type, created_at DESC, item_id DESC)`,
      // A collection's items newest first; also what a collection's rename and delete update.
      `CREATE INDEX library_items_collection_recent_idx ON ${t('library_items')} (collection_id, created_at DESC, item_id DESC) WHERE collection_id IS NOT NULL`,
      // A collection's cover: its item added last.
      `CREATE INDEX library_items_collection_cover_idx ON ${t('library_items')} (collection_id, collection_added_at DESC, item_id DESC) WHERE collection_id IS NOT NULL`,
      // What the workspace sees of other users' libraries: public items, newest first or by title.
      `CREATE INDEX library_items_public_recent_idx ON ${t('library_items')} (workspace_id, created_at DESC, item_id DESC) WHERE visibility = 'public'`,
      `CREATE INDEX library_items_public_title_idx ON ${t('library_items')} (workspace_id, title_key, item_id) WHERE visibility = 'public'`,
      // Filters that no btree serves: a tag (tags @> ARRAY[tag]) and free text (search @@ query).
      `CREATE INDEX library_items_tags_idx ON ${t('library_items')} USING gin (tags)`,
      `CREATE INDEX library_items_search_idx ON ${t('library_items')} USING gin (search)`,

      // Read model (projection library_views): a user's collections, each with its item count
      // and cover kept by the projection (never counted on read).
      `CREATE TABLE ${t('collections')} (
        collection_id uuid        PRIMARY KEY,
        workspace_id  uuid        NOT NULL,
        user_id       text        NOT NULL,
        name          text        NOT NULL,
        description   text,
        item_count    integer     NOT NULL DEFAULT 0 CHECK (item_count >= 0),
        cover_item_id uuid,
        version       bigint      NOT NULL,
        created_at    timestamptz NOT NULL,
        updated_at    timestamptz NOT NULL
      )`,
      `CREATE INDEX collections_user_recent_idx ON ${t('collections')} (workspace_id, user_id, created_at DESC, collection_id DESC)`,

      // Read model (projection library_views): which posts of a workspace use which item, from
      // content's PostMediaAttached/PostMediaDetached as received. source_version is the post
      // stream's version of the last event applied to the pair: an older one arriving later
      // changes nothing, so any order of arrival ends the same.
      `CREATE TABLE ${t('media_usage')} (
        workspace_id     uuid        NOT NULL,
        post_id          uuid        NOT NULL,
        item_id          uuid        NOT NULL,
        attached         boolean     NOT NULL,
        source_version   bigint      NOT NULL,
        last_attached_at timestamptz,
        PRIMARY KEY (workspace_id, post_id, item_id)
      )`,
      // An item's usage when it is saved after posts already named it, and the posts using an item.
      `CREATE INDEX media_usage_item_idx ON ${t('media_usage')} (workspace_id, item_id)`,
    ];
  }
}
