// What the run-state, ledger and scheduler-state tests count: attempts of run b-t (benchmark b,
// target t on provider p, model m) in round 1.
import type { AttemptObservation } from './observe.ts';

/** Attempt 1 of run b-t, its Job `job`, running (or as `over` says). */
export const activeAttempt = (
  job = 's-1-b-t',
  over: Partial<AttemptObservation> = {},
): AttemptObservation => ({
  job,
  run: 'b-t',
  round: 1,
  attempt: 1,
  provider: 'p',
  model: 'm',
  phase: 'Active',
  ...over,
});
