import { randomUUID } from 'node:crypto';
import { TimeseriesQueries } from '../src/query';
import { everyFewMinutes, insertRollups, queryTestDatabase, storeObservations, type Observation, type QueryTestDatabase, type RollupRow } from './query-test-kit';

const workspaceId = randomUUID();
const otherWorkspaceId = randomUUID();
const [steady, tied, edges, early] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const dailyOnly = randomUUID(); // a daily row on 2 March, a whole day of the range
const edgeDayOnly = randomUUID(); // a daily row on 1 March, whose range part is read from hourly rollups

describe('top, realtime and summary queries', () => {
  let db: QueryTestDatabase;
  let queries: TimeseriesQueries;

  beforeAll(async () => {
    db = await queryTestDatabase('analytics_query_top', '2026-02', '2026-03');
    queries = new TimeseriesQueries(db.pool, db.schema, { now: () => new Date('2026-03-20T12:00:00Z') });
    const post = (entityId: string, at: string, value: number, extra: Partial<Observation> = {}): Observation => ({
      workspaceId,
      entityType: 'post',
      entityId,
      metric: 'impressions',
      platform: 'instagram',
      at,
      value,
      ...extra,
    });
    await storeObservations(
      db,
      [
        // Ranked over [1 March 10:00Z, 4 March 14:00Z): 14 + 48 + 14 hours.
        ...everyFewMinutes({ workspaceId, entityType: 'post', entityId: steady, metric: 'impressions', platform: 'x' }, '2026-02-28T00:00:00Z', '2026-03-06T00:00:00Z', 60),
        post(tied, '2026-03-02T12:00:00Z', 76),
        post(edges, '2026-03-01T09:59:59Z', 100),
        post(edges, '2026-03-04T13:59:59Z', 5),
        post(edges, '2026-03-04T14:00:00Z', 50),
        post(early, '2026-03-01T10:00:00Z', 3),
        post(early, '2026-03-02T10:00:00Z', 999, { metric: 'likes' }),
        post(randomUUID(), '2026-03-02T10:00:00Z', 500, { entityType: 'account' }),
        post(randomUUID(), '2026-03-02T10:00:00Z', 1000, { workspaceId: otherWorkspaceId }),
      ],
      { aggregates: true },
    );
    const daily = (entityId: string, bucketStart: string, sum: number): RollupRow => ({
      workspaceId,
      entityType: 'post',
      entityId,
      metric: 'impressions',
      bucketStart,
      sum,
      count: 1,
      min: sum,
      max: sum,
      last: sum,
      lastAt: bucketStart,
    });
    await insertRollups(db, 'daily', [daily(dailyOnly, '2026-03-02T00:00:00Z', 7), daily(edgeDayOnly, '2026-03-01T00:00:00Z', 9)]);
  });
  afterAll(async () => {
    await db.dispose();
  });

  describe('top', () => {
    const range = { workspaceId, metric: 'impressions', entityType: 'post', from: new Date('2026-03-01T10:00:00Z'), to: new Date('2026-03-04T14:00:00Z') } as const;

    it("ranks the workspace's entities of a type by their sum, ties by id, whole days from daily rollups and the edges from hourly", async () => {
      const answer = await queries.top({ ...range, limit: 10 });
      const tie = [steady, tied].sort();
      expect(answer).toEqual({
        metric: 'impressions',
        entityType: 'post',
        from: '2026-03-01T10:00:00.000Z',
        to: '2026-03-04T14:00:00.000Z',
        items: [
          { entityId: tie[0], value: 76 },
          { entityId: tie[1], value: 76 },
          { entityId: dailyOnly, value: 7 },
          { entityId: edges, value: 5 },
          { entityId: early, value: 3 },
        ],
      });
    });

    it('returns at most limit entities', async () => {
      expect((await queries.top({ ...range, limit: 2 })).items.map((item) => item.value)).toEqual([76, 76]);
    });

    it('widens the range to whole UTC hours, and reads a range within one day from hourly rollups', async () => {
      const answer = await queries.top({ ...range, from: new Date('2026-03-04T13:20:00Z'), to: new Date('2026-03-04T13:40:00Z'), limit: 10 });
      expect(answer).toMatchObject({ from: '2026-03-04T13:00:00.000Z', to: '2026-03-04T14:00:00.000Z' });
      expect(answer.items).toEqual([
        { entityId: edges, value: 5 },
        { entityId: steady, value: 1 },
      ]);
    });

    it('ranks aggregates too: platforms of the workspace', async () => {
      const answer = await queries.top({ ...range, entityType: 'platform', limit: 10 });
      expect(answer.items).toEqual([
        { entityId: 'instagram', value: 76 + 5 + 3 + 500 },
        { entityId: 'x', value: 76 },
      ]);
    });
  });

  describe('realtime', () => {
    beforeAll(async () => {
      const at = (time: string, metric: 'impressions' | 'likes', value: number, ws = workspaceId): Observation => ({
        workspaceId: ws,
        entityType: 'post',
        entityId: steady,
        metric,
        at: `2026-03-20T${time}Z`,
        value,
      });
      await storeObservations(db, [
        at('11:50:00', 'impressions', 100), // exactly 10 minutes ago: outside (since, now]
        at('11:50:30', 'impressions', 5),
        at('11:55:00', 'impressions', 3),
        at('12:00:00', 'likes', 1),
        at('12:00:01', 'likes', 50), // stamped in the future
        at('11:58:00', 'impressions', 1000, otherWorkspaceId),
      ]);
    });

    it("sums and counts the workspace's raw observations of the last minutes, per metric", async () => {
      expect(await queries.realtime({ workspaceId, minutes: 10 })).toEqual({
        since: '2026-03-20T11:50:00.000Z',
        until: '2026-03-20T12:00:00.000Z',
        metrics: [
          { metric: 'impressions', sum: 8, count: 2 },
          { metric: 'likes', sum: 1, count: 1 },
        ],
      });
      expect((await queries.realtime({ workspaceId, minutes: 1 })).metrics).toEqual([{ metric: 'likes', sum: 1, count: 1 }]);
      expect((await queries.realtime({ workspaceId: randomUUID(), minutes: 60 })).metrics).toEqual([]);
    });
  });

  describe('summary', () => {
    const summaryWorkspace = randomUUID();

    beforeAll(async () => {
      const at = (time: string, metric: Observation['metric'], value: number, ws = summaryWorkspace): Observation => ({
        workspaceId: ws,
        entityType: 'post',
        entityId: steady,
        metric,
        at: `2026-03-${time}Z`,
        value,
      });
      // Current period [10 March 00:00Z, 12 March 12:00Z); previous [7 March 12:00Z, 10 March 00:00Z).
      await storeObservations(
        db,
        [
          at('10T05:00:00', 'impressions', 10),
          at('12T11:30:00', 'impressions', 20),
          at('12T12:00:00', 'impressions', 1000),
          at('07T12:00:00', 'impressions', 5),
          at('09T23:59:00', 'impressions', 7),
          at('07T11:59:00', 'impressions', 99),
          at('11T08:00:00', 'likes', 4),
          at('08T08:00:00', 'comments', 3),
          at('11T08:00:00', 'impressions', 1000, otherWorkspaceId),
        ],
        { aggregates: true },
      );
    });

    it("totals the workspace's metrics with data in either period, with the period as long before", async () => {
      expect(await queries.summary({ workspaceId: summaryWorkspace, from: new Date('2026-03-10T00:00:00Z'), to: new Date('2026-03-12T12:00:00Z') })).toEqual({
        from: '2026-03-10T00:00:00.000Z',
        to: '2026-03-12T12:00:00.000Z',
        metrics: [
          { metric: 'impressions', current: 30, previous: 12, change: 1.5 },
          { metric: 'likes', current: 4, previous: 0, change: null },
          { metric: 'comments', current: 0, previous: 3, change: -1 },
        ],
      });
    });

    it('widens the range to whole UTC hours', async () => {
      const answer = await queries.summary({ workspaceId: summaryWorkspace, from: new Date('2026-03-10T00:30:00Z'), to: new Date('2026-03-12T11:30:00Z') });
      expect(answer).toMatchObject({ from: '2026-03-10T00:00:00.000Z', to: '2026-03-12T12:00:00.000Z' });
    });

    it('is empty for a workspace without data', async () => {
      expect((await queries.summary({ workspaceId: randomUUID(), from: new Date('2026-03-10T00:00:00Z'), to: new Date('2026-03-12T00:00:00Z') })).metrics).toEqual([]);
    });
  });
});
