import { addMonths, monthOfPartition, monthStartOf, partitionName } from './partitions';

describe('month partitions', () => {
  it('names a month in UTC, whatever the instant within it', () => {
    expect(partitionName('metric_observations', monthStartOf(new Date('2026-12-31T23:59:59.999Z')))).toBe('metric_observations_p202612');
    expect(partitionName('metric_observations__rebuild', monthStartOf(new Date('2027-01-01T00:00:00.000Z')))).toBe('metric_observations__rebuild_p202701');
    expect(monthStartOf(new Date('2026-03-31T22:30:00-05:00'))).toEqual(new Date('2026-04-01T00:00:00.000Z'));
  });

  it('steps months across years', () => {
    expect(addMonths(new Date('2026-11-01T00:00:00Z'), 3)).toEqual(new Date('2027-02-01T00:00:00Z'));
    expect(addMonths(new Date('2026-01-01T00:00:00Z'), -1)).toEqual(new Date('2025-12-01T00:00:00Z'));
  });

  it('reads the month back from a partition name, and nothing from any other name', () => {
    expect(monthOfPartition('tracked_events_p202602')).toEqual(new Date('2026-02-01T00:00:00Z'));
    expect(monthOfPartition('tracked_events_p202613')).toBeNull();
    expect(monthOfPartition('tracked_events_default')).toBeNull();
  });
});
