// The runs of one round with their states, from what the cache holds for the suite: the round's
// Jobs and the ones created but not yet cached, and the last status. Each run's state itself is
// decided by run-state.ts; the runs a suite has, by runs.ts.
import { WAITING_FOR_SCHEDULE } from '../status/suite-status.ts';
import { startTimeoutMs } from '../time/run-timeouts.ts';
import type { SuiteInputs } from './inputs.ts';
import { attemptsByRun } from './observe.ts';
import { deriveRunStates, type RunState, type RunStatusEntry } from './run-state.ts';
import { expandRuns } from './runs.ts';

/**
 * The runs of a round with their states, from the round's Jobs, pending creations and the last
 * status. With `hold` (roundState's: the suite waits for its schedule), runs not yet started are
 * not admissible and say why.
 */
export function runStates(inputs: SuiteInputs, round: number, hold?: string): RunState[] {
  const { suite } = inputs;
  const attempts = attemptsByRun(inputs.jobs, inputs.podsOfJob, round);
  for (const pending of inputs.pendingAttempts) {
    if (pending.round !== round) continue;
    const list = attempts.get(pending.run) ?? [];
    if (list.some((a) => a.job === pending.job)) continue;
    attempts.set(
      pending.run,
      [...list, pending].sort((a, b) => a.attempt - b.attempt),
    );
  }
  const previous =
    suite.status?.round === round
      ? new Map((suite.status.runs ?? []).map((r) => [r.name, r]))
      : new Map<string, RunStatusEntry>();
  const suiteKey = `${suite.metadata?.namespace}/${suite.metadata?.name}`;
  const startTimeout = startTimeoutMs(inputs.schedulePolicy?.spec.startTimeout);
  const states = deriveRunStates(
    expandRuns(suite.spec).map((spec) => ({
      spec,
      attempts: attempts.get(spec.name) ?? [],
      previous: previous.get(spec.name),
      retry: suite.spec.retry,
      suiteKey,
      startTimeoutMs: startTimeout,
      now: inputs.now,
    })),
  );
  if (hold === undefined) return states;
  return states.map((run) =>
    run.state === 'Queued' && run.attempt === 0
      ? { ...run, admissible: false, reason: WAITING_FOR_SCHEDULE, message: hold }
      : run,
  );
}
