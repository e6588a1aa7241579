import { NotFoundError, ValidationError } from '@lib/service-kit';
import { randomUUID } from 'node:crypto';
import { TimeseriesQueries, type TimeseriesRequest } from '../src/query';
import { insertOwner, queryTestDatabase, storeObservations, type QueryTestDatabase } from './query-test-kit';

const ours = randomUUID();
const theirs = randomUUID();
const sharedId = 'campaign-7'; // the same id in both workspaces: only ours may show
const theirPost = randomUUID();
const ourPost = randomUUID();

describe('query tenancy and validation', () => {
  let db: QueryTestDatabase;
  let queries: TimeseriesQueries;
  const request = (overrides: Partial<TimeseriesRequest> = {}): TimeseriesRequest => ({
    workspaceId: ours,
    metrics: ['impressions'],
    entityType: 'campaign',
    entityId: sharedId,
    from: new Date('2026-03-01T00:00:00Z'),
    to: new Date('2026-03-03T00:00:00Z'),
    interval: 'day',
    tz: 'UTC',
    agg: 'sum',
    compare: null,
    ...overrides,
  });
  const expectValidationError = async (promise: Promise<unknown>, message: RegExp): Promise<void> => {
    const error: unknown = await promise.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(message);
  };

  beforeAll(async () => {
    db = await queryTestDatabase('analytics_query_tenancy', '2026-03', '2026-03');
    queries = new TimeseriesQueries(db.pool, db.schema, { now: () => new Date('2026-03-20T00:00:00Z') });
    const observation = { entityType: 'campaign', entityId: sharedId, metric: 'impressions', platform: 'x', at: '2026-03-01T10:00:00Z' } as const;
    await storeObservations(
      db,
      [
        { ...observation, workspaceId: ours, value: 1 },
        { ...observation, workspaceId: theirs, value: 1000 },
        { ...observation, workspaceId: theirs, entityType: 'post', entityId: theirPost, value: 1000 },
        // Rows under our workspace for their post (a report that slipped through) stay hidden too.
        { ...observation, workspaceId: ours, entityType: 'post', entityId: theirPost, value: 5 },
      ],
      { aggregates: true },
    );
    await insertOwner(db, 'post', theirPost, theirs);
    await insertOwner(db, 'post', ourPost, ours);
  });
  afterAll(async () => {
    await db.dispose();
  });

  describe('tenancy', () => {
    it("never shows another workspace's rows, in any query", async () => {
      expect((await queries.timeseries(request())).points.map((point) => point.value)).toEqual([1, 0]);
      expect((await queries.timeseries(request({ tz: 'Asia/Kolkata', entityType: 'workspace', entityId: ours }))).points.map((point) => point.value)).toEqual([6, 0, 0]);
      expect((await queries.timeseries(request({ entityType: 'platform', entityId: 'x' }))).points.map((point) => point.value)).toEqual([6, 0]);
      const top = await queries.top({ workspaceId: ours, metric: 'impressions', entityType: 'campaign', from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z'), limit: 10 });
      expect(top.items).toEqual([{ entityId: sharedId, value: 1 }]);
      const summary = await queries.summary({ workspaceId: ours, from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') });
      expect(summary.metrics).toEqual([{ metric: 'impressions', current: 6, previous: 0, change: null }]);
    });

    it("answers 404 for another workspace's entity, as entity_owners tells, with the message of any unknown entity", async () => {
      const error: unknown = await queries.timeseries(request({ entityType: 'post', entityId: theirPost })).catch((rejection: unknown) => rejection);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).message).toBe(`post ${theirPost} not found`);
      await expect(queries.timeseries(request({ entityType: 'post', entityId: theirPost, agg: 'last', tz: 'Asia/Kolkata' }))).rejects.toBeInstanceOf(NotFoundError);
      expect((await queries.timeseries(request({ entityType: 'post', entityId: ourPost }))).points.map((point) => point.value)).toEqual([0, 0]);
    });

    it("answers 404 for another workspace's total", async () => {
      const error: unknown = await queries.timeseries(request({ entityType: 'workspace', entityId: theirs })).catch((rejection: unknown) => rejection);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).message).toBe(`workspace ${theirs} not found`);
      expect((await queries.timeseries(request({ entityType: 'workspace', entityId: ours }))).points.map((point) => point.value)).toEqual([6, 0]);
    });
  });

  describe('validation of timeseries requests', () => {
    const cases: Array<[string, Partial<TimeseriesRequest>, RegExp]> = [
      ['an invalid from', { from: new Date(Number.NaN) }, /^from must be a valid instant$/],
      ['an invalid to', { to: new Date('not a date') }, /^to must be a valid instant$/],
      ['from after to', { from: new Date('2026-03-04T00:00:00Z') }, /^from must be before to$/],
      ['from equal to to', { to: new Date('2026-03-01T00:00:00Z') }, /^from must be before to$/],
      ['a range before 1970', { from: new Date('1969-12-31T00:00:00Z') }, /^from must not be before 1970/],
      ['no metrics', { metrics: [] }, /at least one metric/],
      ['too many metrics', { metrics: ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks', 'video_views', 'followers', 'posts_drafted', 'posts_published'] }, /at most 10 metrics/],
      ['an unknown metric', { metrics: ['impressions', 'karma' as never] }, /unknown metric "karma"/],
      ['a repeated metric', { metrics: ['likes', 'likes'] }, /must not repeat likes/],
      ['an unknown entity type', { entityType: 'user' as never }, /entityType must be one of post, account, campaign, workspace, platform, event/],
      ['an empty entity id', { entityId: '' }, /entityId must not be empty/],
      ['an unknown interval', { interval: 'minute' as never }, /interval must be one of hour, day, week, month/],
      ['an unknown aggregation', { agg: 'median' as never }, /agg must be one of sum, avg, min, max, last/],
      ['an unknown comparison', { compare: 'year' as never }, /compare must be 'previous'/],
      ['an unknown time zone', { tz: 'Mars/Olympus_Mons' }, /tz must be an IANA time zone/],
      ['an offset for a time zone', { tz: '+05:30' }, /tz must be an IANA time zone/],
      ['min of a workspace', { entityType: 'workspace', entityId: ours, agg: 'min' }, /agg min is for single entities; workspace is an aggregate/],
      ['max of a platform', { entityType: 'platform', entityId: 'x', agg: 'max' }, /agg max is for single entities; platform is an aggregate/],
      ['last of an event', { entityType: 'event', entityId: 'signup', agg: 'last' }, /agg last is for single entities; event is an aggregate/],
      ['an unknown platform', { entityType: 'platform', entityId: 'myspace' }, /platform entityId must be one of instagram/],
      ['too many buckets', { interval: 'hour', from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') }, /more than 2000 hour buckets/],
      ['a raw range past retention', { tz: 'Asia/Kolkata', entityType: 'post', entityId: ourPost, from: new Date('2025-12-01T00:00:00Z') }, /kept 95 days/],
      ['a campaign in a half-hour zone', { tz: 'Asia/Kolkata' }, /^Asia\/Kolkata is not a whole number of hours .*campaign series are answered in time zones whose offsets from UTC are whole hours$/],
      ['a platform in a quarter-hour zone', { tz: 'Asia/Kathmandu', entityType: 'platform', entityId: 'x' }, /^Asia\/Kathmandu .*platform series are answered in time zones whose offsets from UTC are whole hours$/],
    ];

    it.each(cases)('refuses %s', async (_name, overrides, message) => {
      await expectValidationError(queries.timeseries(request(overrides)), message);
    });

    it('counts the buckets of the range, not those of the previous period', async () => {
      const range = { interval: 'hour', from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-25T08:00:00Z') } as const;
      await expect(queries.timeseries(request({ ...range, compare: 'previous' }))).resolves.toMatchObject({ points: { length: 2000 } });
      await expectValidationError(queries.timeseries(request({ ...range, to: new Date('2026-03-25T08:00:00.001Z') })), /more than 2000/);
    });
  });

  describe('validation of top, realtime and summary requests', () => {
    const top = { workspaceId: ours, metric: 'impressions', entityType: 'post', from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z'), limit: 10 } as const;

    it('refuses a bad top request', async () => {
      await expectValidationError(queries.top({ ...top, from: top.to }), /from must be before to/);
      await expectValidationError(queries.top({ ...top, metric: 'karma' as never }), /unknown metric/);
      await expectValidationError(queries.top({ ...top, entityType: 'user' as never }), /entityType must be one of/);
      for (const limit of [0, 101, 2.5]) await expectValidationError(queries.top({ ...top, limit }), /limit must be an integer from 1 to 100/);
    });

    it('refuses a bad realtime window', async () => {
      for (const minutes of [0, 61, 1.5]) await expectValidationError(queries.realtime({ workspaceId: ours, minutes }), /minutes must be an integer from 1 to 60/);
    });

    it('refuses a bad summary range', async () => {
      await expectValidationError(queries.summary({ workspaceId: ours, from: top.to, to: top.from }), /from must be before to/);
      await expectValidationError(queries.summary({ workspaceId: ours, from: new Date(Number.NaN), to: top.to }), /from must be a valid instant/);
    });
  });
});
