import { describe, expect, it } from 'vitest';
import type { SuiteStatus } from '../../core/status/suite-status.ts';
import { StatusPacer } from './status-pacer.ts';

const running = (succeeded: number): SuiteStatus => ({
  phase: 'Running',
  round: 1,
  progress: `${succeeded}/10`,
  summary: { total: 10, queued: 0, running: 10 - succeeded, succeeded, failed: 0, blocked: 0 },
  conditions: [
    {
      type: 'Ready',
      status: 'False',
      reason: 'RoundInProgress',
      message: `round 1: ${succeeded}/10 runs finished`,
      lastTransitionTime: '2026-12-03T08:00:00Z',
    },
  ],
});

describe('StatusPacer', () => {
  it('writes at once when the suite has not been written recently', () => {
    const pacer = new StatusPacer(5000);
    expect(pacer.holdFor('ns/a', running(1), running(2), 10_000)).toBe(0);
  });

  it('holds a progress-only change until the interval since the last write has passed', () => {
    const pacer = new StatusPacer(5000);
    pacer.wrote('ns/a', 10_000);
    expect(pacer.holdFor('ns/a', running(1), running(2), 11_000)).toBe(4000);
    expect(pacer.holdFor('ns/a', running(1), running(2), 15_000)).toBe(0);
    expect(pacer.holdFor('ns/b', running(1), running(2), 11_000)).toBe(0);
  });

  it('writes a change of phase, round or condition at once', () => {
    const pacer = new StatusPacer(5000);
    pacer.wrote('ns/a', 10_000);
    const done: SuiteStatus = {
      ...running(10),
      phase: 'Succeeded',
      completionTime: '2026-12-03T08:01:00Z',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'RoundSucceeded',
          message: 'round 1 finished: 10/10 runs succeeded',
          lastTransitionTime: '2026-12-03T08:01:00Z',
        },
      ],
    };
    expect(pacer.holdFor('ns/a', running(9), done, 11_000)).toBe(0);
    expect(pacer.holdFor('ns/a', running(9), { ...running(9), round: 2 }, 11_000)).toBe(0);
  });

  it('holds nothing when nothing changed, and forgets a deleted suite', () => {
    const pacer = new StatusPacer(5000);
    pacer.wrote('ns/a', 10_000);
    expect(pacer.holdFor('ns/a', running(3), running(3), 11_000)).toBe(0);
    pacer.forget('ns/a');
    expect(pacer.holdFor('ns/a', running(3), running(4), 11_000)).toBe(0);
  });
});
