import { METRICS } from '@lib/contracts';
import { qualified } from '@lib/event-store';
import { randomUUID } from 'node:crypto';
import type { TimeseriesRequest } from '../src/query';
import { queryTables, realtimeStatement, summaryStatement, topStatement, type Statement } from '../src/query/query-statements';
import { rollupRanges } from '../src/query/rollup-ranges';
import { planSeries } from '../src/query/timeseries-queries';
import { queryTestDatabase, type QueryTestDatabase } from './query-test-kit';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every scan of a table in the plan: its partition, how, and on which index. */
function scansOf(node: PlanNode): string[] {
  const own = node['Relation Name'] ? [`${node['Relation Name']} ${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

/**
 * The query side's statements read their rows through indexes, and only the partitions of their
 * range, on a few hundred thousand generated rows (statistics taken): a regression to a scan of
 * whole partitions fails here rather than in production.
 */
describe('query plans', () => {
  let db: QueryTestDatabase;
  const workspaceId = randomUUID();
  const tables = (): ReturnType<typeof queryTables> => queryTables(db.schema);

  const scans = async (statement: Statement): Promise<string[]> => {
    const { rows } = await db.pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${statement.text}`, statement.values);
    return scansOf(rows[0]['QUERY PLAN'][0].Plan);
  };
  const series = (overrides: Partial<TimeseriesRequest>): Statement =>
    planSeries(tables(), {
      workspaceId,
      metrics: ['impressions', 'likes'],
      entityType: 'post',
      entityId: 'post-7',
      from: new Date('2026-03-10T00:00:00Z'),
      to: new Date('2026-04-09T00:00:00Z'),
      interval: 'day',
      tz: 'UTC',
      agg: 'sum',
      compare: null,
      ...overrides,
    }).statement;

  beforeAll(async () => {
    db = await queryTestDatabase('analytics_query_plans', '2026-01', '2026-05');
    const t = (table: string): string => qualified(db.schema, table);
    const workspaces = [workspaceId, randomUUID()];
    const metrics = ['impressions', 'reach', 'likes'];
    // 200 posts over two workspaces, an hourly row every 6 hours for 90 days; each workspace's total every hour.
    await db.pool.query(
      `INSERT INTO ${t('metric_rollups_hourly')}
       SELECT ($1::uuid[])[1 + e % 2], 'post', 'post-' || e, m, at, 1 + e % 17, 1, 1, 5, 3, at
       FROM generate_series(0, 199) AS e, unnest($2::text[]) AS m,
            generate_series('2026-01-15T00:00:00Z'::timestamptz + (e % 6) * interval '1 hour', '2026-04-15T00:00:00Z', interval '6 hours') AS at`,
      [workspaces, metrics],
    );
    await db.pool.query(
      `INSERT INTO ${t('metric_rollups_hourly')}
       SELECT w, 'workspace', w::text, m, at, 100, 10, 1, 50, 3, at
       FROM unnest($1::uuid[]) AS w, unnest($2::text[]) AS m, generate_series('2026-01-15T00:00:00Z'::timestamptz, '2026-04-15T00:00:00Z', interval '1 hour') AS at`,
      [workspaces, metrics],
    );
    await db.pool.query(
      `INSERT INTO ${t('metric_rollups_daily')}
       SELECT workspace_id, entity_type, entity_id, metric, date_trunc('day', bucket_start, 'UTC'), sum(sum), sum(count), min(min), max(max), max(last), max(last_at)
       FROM ${t('metric_rollups_hourly')} GROUP BY 1, 2, 3, 4, 5`,
    );
    await db.pool.query(
      `INSERT INTO ${t('metric_observations')}
       SELECT ($1::uuid[])[1 + e % 2], 'post', 'post-' || e, m, 'x', 'increment', 1, 1, at + (e % 60) * interval '1 minute', gen_random_uuid(), 0
       FROM generate_series(0, 499) AS e, unnest($2::text[]) AS m,
            generate_series('2026-01-15T00:00:00Z'::timestamptz, '2026-04-15T00:00:00Z', interval '8 hours') AS at`,
      [workspaces, [...metrics, 'comments', 'shares']],
    );
    await db.pool.query(
      `INSERT INTO ${t('entity_owners')} SELECT 'post', 'post-' || e, ($1::uuid[])[1 + e % 2] FROM generate_series(0, 19999) AS e`,
      [workspaces],
    );
    for (const table of ['metric_rollups_hourly', 'metric_rollups_daily', 'metric_observations', 'entity_owners']) await db.pool.query(`VACUUM ANALYZE ${t(table)}`);
  });
  afterAll(async () => {
    await db.dispose();
  });

  const workspace = { entityType: 'workspace', entityId: workspaceId } as const;
  const cases: Array<[string, Partial<TimeseriesRequest>, string[]]> = [
    ['a UTC day series', {}, ['202603', '202604']],
    ['a UTC hour series', { interval: 'hour' }, ['202603', '202604']],
    ['a workspace hour series', { ...workspace, interval: 'hour' }, ['202603', '202604']],
    ['a New York day series of a workspace, compared', { ...workspace, tz: 'America/New_York', compare: 'previous' }, ['202602', '202603', '202604']],
    ['New York months of a workspace', { ...workspace, tz: 'America/New_York', interval: 'month', from: new Date('2026-02-10T00:00:00Z'), to: new Date('2026-03-20T00:00:00Z') }, ['202602', '202603', '202604']],
    ['a Kolkata day series', { tz: 'Asia/Kolkata' }, ['202603', '202604']],
    ['a Kolkata day series of a workspace', { ...workspace, tz: 'Asia/Kolkata' }, ['202603', '202604']],
    ['a Kolkata hour series', { tz: 'Asia/Kolkata', interval: 'hour' }, ['202603', '202604']],
    ['New York months of a post', { tz: 'America/New_York', interval: 'month', from: new Date('2026-02-10T00:00:00Z'), to: new Date('2026-03-20T00:00:00Z') }, ['202602', '202603', '202604']],
    ['Berlin weeks of a post', { tz: 'Europe/Berlin', interval: 'week' }, ['202603', '202604']],
  ];

  it.each(cases)('reads %s by index, from the partitions of its range only', async (_name, overrides, months) => {
    const found = await scans(series(overrides));
    expect(found.filter((scan) => / Seq Scan/.test(scan))).toEqual([]);
    // One entity's rows through the primary key, never the top index's scan of every entity of the type.
    if (overrides.entityType !== 'workspace') expect(found.filter((scan) => /_workspace_id_metric_entity_ty/.test(scan))).toEqual([]);
    expect(found.filter((scan) => /_p\d{6} /.test(scan) && !months.some((month) => scan.includes(`_p${month} `)))).toEqual([]);
  });

  it.each([
    ['New York', { tz: 'America/New_York' }],
    ['Kolkata', { tz: 'Asia/Kolkata' }],
  ] as const)('carries last into a %s series by index, walking back from the range', async (_name, overrides) => {
    const found = await scans(series({ ...overrides, agg: 'last' }));
    expect(found.filter((scan) => / Seq Scan/.test(scan))).toEqual([]);
  });

  it('ranks entities index-only on the top indexes', async () => {
    const from = Date.parse('2026-03-10T10:00:00Z');
    const to = Date.parse('2026-04-09T10:00:00Z');
    const found = await scans(topStatement(tables(), { workspaceId, metric: 'impressions', entityType: 'post', ranges: rollupRanges(from, to), limit: 10 }));
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((scan) => !/ Index Only Scan metric_rollups_(hourly|daily)_p20260[34]_workspace_id_metric_entity_ty/.test(scan))).toEqual([]);
  });

  it('totals a workspace and reads the last minutes by index', async () => {
    const from = Date.parse('2026-03-10T10:00:00Z');
    const to = Date.parse('2026-04-09T10:00:00Z');
    const summary = await scans(summaryStatement(tables(), { workspaceId, metrics: METRICS, from, ranges: [...rollupRanges(from - (to - from), from), ...rollupRanges(from, to)] }));
    const realtime = await scans(realtimeStatement(tables(), workspaceId, Date.parse('2026-04-14T23:00:00Z'), Date.parse('2026-04-15T00:00:00Z')));
    expect([...summary, ...realtime].filter((scan) => / Seq Scan/.test(scan))).toEqual([]);
    expect(realtime.every((scan) => scan.startsWith('metric_observations_p202604 '))).toBe(true);
  });
});
