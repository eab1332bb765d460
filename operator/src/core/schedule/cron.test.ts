import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchedule, type Schedule } from './cron.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function schedule(expression: string, timeZone = 'UTC'): Schedule {
  const parsed = parseSchedule(expression, timeZone);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.schedule;
}

describe('parseSchedule', () => {
  it('names the problem of an invalid expression', () => {
    const parsed = parseSchedule('61 * * * *');
    expect(parsed).toEqual({
      ok: false,
      message: "schedule '61 * * * *' is not a valid cron expression: Invalid value for minute: 61",
    });
  });

  it('rejects 6-field (seconds) expressions', () => {
    const parsed = parseSchedule('0 * * * * *');
    expect(parsed.ok).toBe(false);
  });

  it('rejects an unknown time zone', () => {
    expect(parseSchedule('* * * * *', 'Mars/Olympus')).toEqual({
      ok: false,
      message: "time zone 'Mars/Olympus' is not a known IANA time zone (e.g. Europe/Berlin)",
    });
  });

  it.each([
    '@hourly',
    '@daily',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@midnight',
    '0 2 * * MON-FRI',
  ])('accepts %s', (expression) => expect(parseSchedule(expression).ok).toBe(true));
});

describe('previous and next ticks', () => {
  it('includes a tick exactly at now in previous, never in next', () => {
    const s = schedule('*/5 * * * *');
    expect(iso(s.previous(at('2026-11-22T10:05:00Z')))).toBe('2026-11-22T10:05:00.000Z');
    expect(iso(s.next(at('2026-11-22T10:05:00Z')))).toBe('2026-11-22T10:10:00.000Z');
    expect(iso(s.previous(at('2026-11-22T10:04:59.999Z')))).toBe('2026-11-22T10:00:00.000Z');
  });

  it('reads the expression in the time zone', () => {
    const s = schedule('0 2 * * *', 'Europe/Berlin');
    // 02:00 in Berlin is 01:00 UTC in winter.
    expect(iso(s.next(at('2026-11-22T12:00:00Z')))).toBe('2026-11-23T01:00:00.000Z');
  });

  it('runs a fixed-time job in the spring-forward gap once, when the gap ends (Europe/Berlin)', () => {
    const s = schedule('30 2 * * *', 'Europe/Berlin');
    // 2026-03-29: clocks go from 02:00 to 03:00 CET→CEST; 02:30 does not exist.
    expect(iso(s.next(at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(iso(s.next(at('2026-03-29T01:00:00Z')))).toBe('2026-03-30T00:30:00.000Z'); // 02:30 CEST
  });

  it('runs a fixed-time job in the repeated fall-back hour once (America/New_York)', () => {
    const s = schedule('30 1 * * *', 'America/New_York');
    // 2026-11-01: 01:00-02:00 happens twice (EDT, then EST).
    const first = s.next(at('2026-10-31T12:00:00Z'))!;
    expect(iso(first)).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    expect(iso(s.next(first))).toBe('2026-11-02T06:30:00.000Z'); // next day, 01:30 EST
  });

  it('a schedule that never fires has no ticks', () => {
    const s = schedule('0 0 30 2 *');
    expect(s.next(at('2026-11-22T00:00:00Z'))).toBeUndefined();
    expect(s.previous(at('2026-11-22T00:00:00Z'))).toBeUndefined();
  });

  it('property: previous ≤ now < next, and no tick lies strictly between them', () => {
    const expressions = ['* * * * *', '*/7 * * * *', '15 */3 * * *', '30 2 * * *', '0 0 * * MON', '@monthly'];
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];
    fc.assert(
      fc.property(
        fc.constantFrom(...expressions),
        fc.constantFrom(...zones),
        fc.integer({ min: at('2025-01-01T00:00:00Z'), max: at('2028-01-01T00:00:00Z') }),
        (expression, zone, now) => {
          const s = schedule(expression, zone);
          const previous = s.previous(now)!;
          const next = s.next(now)!;
          expect(previous).toBeLessThanOrEqual(now);
          expect(next).toBeGreaterThan(now);
          expect(s.next(previous)).toBe(next);
        },
      ),
      { numRuns: 100 },
    );
  });
});
