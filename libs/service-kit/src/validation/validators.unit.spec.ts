import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsInt, validateSync } from 'class-validator';
import { parseIfMatchVersion } from '../http/if-match';
import { ValidationError } from '../http/errors';
import { IntegerText, IsIanaTimeZone, isIanaTimeZone, ParseUuidPipe } from './validators';

class Schedule {
  @IsIanaTimeZone()
  timeZone!: string;
}

describe('isIanaTimeZone', () => {
  it.each(['Europe/Paris', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/UTC', 'Etc/GMT+5', 'Asia/Kolkata', 'Asia/Calcutta', 'US/Eastern'])('accepts %s', (zone) => {
    expect(isIanaTimeZone(zone)).toBe(true);
  });

  it.each(['', '+01:00', 'Mars/Olympus_Mons', 'Europe/', '../etc/passwd', 'CEST'])('refuses %p', (zone) => {
    expect(isIanaTimeZone(zone)).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(isIanaTimeZone(1)).toBe(false);
    expect(isIanaTimeZone(null)).toBe(false);
  });

  it('names the property in its message', () => {
    const errors = validateSync(plainToInstance(Schedule, { timeZone: 'Moon/Base' }));
    expect(errors[0]?.constraints).toEqual({ isIanaTimeZone: 'timeZone must be an IANA time zone such as Europe/Paris' });
  });
});

class Count {
  @IntegerText()
  @IsInt()
  count!: number;
}

describe('IntegerText', () => {
  it.each([
    ['12', 12],
    ['-3', -3],
    ['+7', 7],
  ])('reads %p as %p', (text, number) => {
    const count = plainToInstance(Count, { count: text });
    expect(count.count).toBe(number);
    expect(validateSync(count)).toEqual([]);
  });

  it.each(['1e1', '0x10', '1.5', ' 12 ', '', 'ten', '12345678901234567'])('leaves %p for IsInt to refuse', (text) => {
    const count = plainToInstance(Count, { count: text });
    expect(count.count).toBe(text);
    expect(validateSync(count).map((error) => error.property)).toEqual(['count']);
  });
});

describe('ParseUuidPipe', () => {
  const pipe = new ParseUuidPipe('postId');

  it('passes a UUID on, lower-cased', () => {
    expect(pipe.transform('7C0E2D5A-1B2C-4D3E-8F90-A1B2C3D4E5F6')).toBe('7c0e2d5a-1b2c-4d3e-8f90-a1b2c3d4e5f6');
  });

  it('answers 400 naming the parameter', () => {
    expect(() => pipe.transform('42')).toThrow(new ValidationError('postId must be a UUID'));
  });
});

describe('parseIfMatchVersion', () => {
  it('reads a quoted or bare version, and nothing when absent', () => {
    expect(parseIfMatchVersion('"3"')).toBe(3);
    expect(parseIfMatchVersion(' 12 ')).toBe(12);
    expect(parseIfMatchVersion(undefined)).toBeUndefined();
  });

  it.each(['*', 'W/"3"', '"3", "4"', '"-1"', 'three', ''])('refuses %p with a 400 error', (header) => {
    expect(() => parseIfMatchVersion(header)).toThrow(ValidationError);
  });
});
