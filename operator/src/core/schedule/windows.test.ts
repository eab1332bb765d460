import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeWindows, isInsideWindow, nextWindowOpening, type Window } from './windows.ts';

const at = (iso: string): number => Date.parse(iso);
const nights: Window[] = [{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '22:00', end: '06:00' }];
const berlin = 'Europe/Berlin';

describe('isInsideWindow', () => {
  it('no windows: always inside', () => {
    expect(isInsideWindow(undefined, 'UTC', at('2026-11-22T12:00:00Z'))).toBe(true);
    expect(isInsideWindow([], 'UTC', at('2026-11-22T12:00:00Z'))).toBe(true);
  });

  it('a window crossing midnight belongs to the day it opens', () => {
    // 2026-11-20 is a Friday; Berlin is UTC+1 in November.
    expect(isInsideWindow(nights, berlin, at('2026-11-20T21:00:00Z'))).toBe(true); // Fri 22:00
    expect(isInsideWindow(nights, berlin, at('2026-11-21T04:59:00Z'))).toBe(true); // Sat 05:59
    expect(isInsideWindow(nights, berlin, at('2026-11-21T05:00:00Z'))).toBe(false); // Sat 06:00 (end exclusive)
    expect(isInsideWindow(nights, berlin, at('2026-11-21T21:30:00Z'))).toBe(false); // Sat 22:30
    expect(isInsideWindow(nights, berlin, at('2026-11-23T04:00:00Z'))).toBe(false); // Mon 05:00: Sunday did not open
    expect(isInsideWindow(nights, berlin, at('2026-11-20T20:59:00Z'))).toBe(false); // Fri 21:59
  });

  it('compares on the wall clock of the time zone, across DST', () => {
    const mornings: Window[] = [{ start: '08:00', end: '09:00' }];
    expect(isInsideWindow(mornings, berlin, at('2026-07-01T06:30:00Z'))).toBe(true); // CEST 08:30
    expect(isInsideWindow(mornings, berlin, at('2026-12-01T06:30:00Z'))).toBe(false); // CET 07:30
  });
});

describe('nextWindowOpening', () => {
  it('finds the next opening on an allowed day', () => {
    // Saturday noon → Monday 22:00 Berlin.
    expect(new Date(nextWindowOpening(nights, berlin, at('2026-11-21T11:00:00Z'))!).toISOString()).toBe(
      '2026-11-23T21:00:00.000Z',
    );
  });

  it('takes the earliest of several windows', () => {
    const windows: Window[] = [...nights, { days: ['Sun'], start: '10:00', end: '12:00' }];
    expect(new Date(nextWindowOpening(windows, berlin, at('2026-11-21T11:00:00Z'))!).toISOString()).toBe(
      '2026-11-22T09:00:00.000Z',
    );
  });

  it('property: outside a window, it is still outside just before the next opening and inside at it', () => {
    const windows: Window[] = [
      { days: ['Mon', 'Wed'], start: '23:30', end: '01:15' },
      { days: ['Sat'], start: '09:00', end: '09:45' },
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }),
        fc.constantFrom('UTC', berlin, 'America/New_York'),
        (now, zone) => {
          const opening = nextWindowOpening(windows, zone, now)!;
          expect(opening).toBeGreaterThan(now);
          expect(isInsideWindow(windows, zone, opening)).toBe(true);
          if (!isInsideWindow(windows, zone, now))
            expect(isInsideWindow(windows, zone, opening - 60_000)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('describeWindows', () => {
  it('names day ranges', () => {
    expect(
      describeWindows([
        ...nights,
        { days: ['Sat', 'Sun'], start: '10:00', end: '12:00' },
        { start: '01:00', end: '02:00' },
      ]),
    ).toBe('Mon-Fri 22:00-06:00, Sat,Sun 10:00-12:00, daily 01:00-02:00');
  });
});
