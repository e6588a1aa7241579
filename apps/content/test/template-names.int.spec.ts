import { ConflictError, PreconditionFailedError, ValidationError } from '@lib/service-kit';
import { eventually } from '@lib/testing';
import { randomUUID } from 'node:crypto';
import { TemplatesService } from '../src/templates/templates.service';
import { TestClock, contentTestDatabase, requestContext, type ContentTestDatabase } from './content-test-kit';

describe('template names, unique per workspace', () => {
  let db: ContentTestDatabase;
  let templates: TemplatesService;
  const clock = new TestClock();

  beforeAll(async () => {
    db = await contentTestDatabase('content_tpl');
    templates = new TemplatesService(db.pool, db.store, clock.now);
  });
  afterAll(async () => {
    await db.dispose();
  });

  async function written(workspaceId: string): Promise<{ streams: number; events: number; names: string[] }> {
    const streams = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${db.schema}".streams WHERE workspace_id = $1 AND stream_type = 'template'`,
      [workspaceId],
    );
    const events = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${db.schema}".events WHERE workspace_id = $1`, [workspaceId]);
    const names = await db.pool.query<{ name_key: string }>(
      `SELECT name_key FROM "${db.schema}".template_names WHERE workspace_id = $1 ORDER BY name_key`,
      [workspaceId],
    );
    return { streams: streams.rows[0].n, events: events.rows[0].n, names: names.rows.map((row) => row.name_key) };
  }

  it('refuses a duplicate name, ignoring case, and writes nothing for it', async () => {
    const context = requestContext(randomUUID(), 'editor');
    const digest = await templates.create(context, { name: 'Weekly Digest', body: 'Hi {{first_name}}', platforms: ['linkedin'], category: 'newsletter' });
    expect(digest).toMatchObject({ name: 'Weekly Digest', version: 1, placeholders: ['first_name'], platforms: ['linkedin'], category: 'newsletter' });
    const before = await written(context.actor.workspaceId);
    expect(before).toEqual({ streams: 1, events: 1, names: ['weekly digest'] });

    await expect(templates.create(context, { name: '  weekly DIGEST ', body: 'Another' })).rejects.toBeInstanceOf(ConflictError);
    expect(await written(context.actor.workspaceId)).toEqual(before);

    const other = await templates.create(context, { name: 'Promo', body: 'Buy' });
    await expect(templates.update(context, other.id, { name: 'WEEKLY digest' })).rejects.toBeInstanceOf(ConflictError);
    expect(await templates.get(context, other.id)).toMatchObject({ name: 'Promo', version: 1 });
    expect((await written(context.actor.workspaceId)).names).toEqual(['promo', 'weekly digest']);
  });

  it('frees the old name on a rename and the name on a delete; a change of case keeps it', async () => {
    const context = requestContext(randomUUID(), 'editor');
    const first = await templates.create(context, { name: 'Launch', body: 'Day one' });
    const renamed = await templates.update(context, first.id, { name: 'Launch v1' }, { expectedVersion: 1 });
    expect(renamed).toMatchObject({ name: 'Launch v1', version: 2 });
    const second = await templates.create(context, { name: 'launch', body: 'Day two' });
    expect((await written(context.actor.workspaceId)).names).toEqual(['launch', 'launch v1']);

    expect(await templates.update(context, first.id, { name: 'LAUNCH V1' })).toMatchObject({ name: 'LAUNCH V1', version: 3 });
    await expect(templates.update(context, first.id, { body: 'stale' }, { expectedVersion: 2 })).rejects.toBeInstanceOf(PreconditionFailedError);

    await templates.delete(context, second.id);
    await expect(templates.get(context, second.id)).rejects.toThrow('template not found');
    expect((await written(context.actor.workspaceId)).names).toEqual(['launch v1']);
    expect(await templates.create(context, { name: 'Launch', body: 'Day three' })).toMatchObject({ name: 'Launch', version: 1 });
  });

  it('lets exactly one of several concurrent creates have a name', async () => {
    const context = requestContext(randomUUID(), 'editor');
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => templates.create(context, { name: 'Race', body: `Try ${i}` })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected').every((result) => result.reason instanceof ConflictError)).toBe(true);
    expect(await written(context.actor.workspaceId)).toEqual({ streams: 1, events: 1, names: ['race'] });
  });

  it('refuses invalid input whole, and lists the workspace templates by name, page by page', async () => {
    const context = requestContext(randomUUID(), 'editor');
    await expect(templates.create(context, { name: '', body: 'Hi {{ bad name }}' })).rejects.toBeInstanceOf(ValidationError);
    expect(await written(context.actor.workspaceId)).toEqual({ streams: 0, events: 0, names: [] });

    for (const name of ['banana', 'Apple', 'cherry']) await templates.create(context, { name, body: name });
    await eventually(async () => {
      await db.readModels.catchUp();
      expect((await templates.list(context)).items.map((item) => item.name)).toEqual(['Apple', 'banana', 'cherry']);
    });
    const first = await templates.list(context, { limit: 2 });
    expect(first.items.map((item) => item.name)).toEqual(['Apple', 'banana']);
    const second = await templates.list(context, { limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toMatchObject({ items: [expect.objectContaining({ name: 'cherry', version: 1 })], nextCursor: null });
    await expect(templates.list(context, { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(ValidationError);
  });
});
