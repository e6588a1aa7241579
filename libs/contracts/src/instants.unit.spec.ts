import { isZonedInstantFormat, parseZonedInstant } from './instants';

describe('parseZonedInstant', () => {
  it('reads the offset', () => {
    expect(parseZonedInstant('2030-01-01T10:00:00.000+01:00')?.toISOString()).toBe('2030-01-01T09:00:00.000Z');
    expect(parseZonedInstant('2030-01-01T09:00z')?.toISOString()).toBe('2030-01-01T09:00:00.000Z');
  });

  it('keeps years below 100 (Date.UTC would read 0099 as 1999)', () => {
    expect(parseZonedInstant('0099-06-01T00:00:00Z')?.toISOString()).toBe('0099-06-01T00:00:00.000Z');
  });

  it.each(['2030-02-30T00:00:00Z', '2031-02-29T00:00:00Z', '2030-13-01T00:00:00Z', '2030-01-01T24:00:00Z', '2030-01-01T00:00:00+19:00'])(
    'refuses %s, which names no instant',
    (value) => expect(parseZonedInstant(value)).toBeNull(),
  );

  it('takes leap days that exist', () => expect(parseZonedInstant('2028-02-29T12:00:00Z')?.toISOString()).toBe('2028-02-29T12:00:00.000Z'));

  it.each(['2030-01-01T09:00:00', '2030-01-01', 'tomorrow', 42])('refuses %p, which has no offset or is no instant', (value) => {
    expect(isZonedInstantFormat(value)).toBe(false);
    expect(parseZonedInstant(value)).toBeNull();
  });
});
