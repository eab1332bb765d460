import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microTime, parseMicroTime } from './microtime.ts';

describe('microTime', () => {
  it('has exactly six fractional digits', () => {
    expect(microTime(new Date('2026-11-22T08:00:00.123Z'))).toBe('2026-11-22T08:00:00.123000Z');
    expect(microTime(new Date('2026-11-22T08:00:00Z'))).toBe('2026-11-22T08:00:00.000000Z');
  });

  it('round-trips through parseMicroTime for any date', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        (d) => {
          const text = microTime(d);
          expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
          expect(parseMicroTime(text).getTime()).toBe(d.getTime());
        },
      ),
    );
  });

  it('parses server MicroTimes with microseconds', () => {
    expect(parseMicroTime('2026-11-22T08:00:00.123456Z').toISOString()).toBe('2026-11-22T08:00:00.123Z');
    expect(() => parseMicroTime('yesterday')).toThrow();
  });
});
