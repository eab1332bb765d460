// A suite's status reduced to what `benchctl status` shows: phase, round, revision, progress,
// conditions that need attention, and every run that waits with the reason it waits.
import type { BenchmarkSuite, RunStatus } from '../api/index.ts';

export interface WaitingRun {
  run: string;
  state: RunStatus['state'];
  reason: string;
  message: string;
}

export interface ConditionView {
  status: string;
  reason: string;
  message: string;
}

export interface SuiteView {
  namespace: string;
  name: string;
  phase: string;
  round: number;
  progress: string;
  sourceRevision?: string;
  suspended: boolean;
  ready?: ConditionView;
  stalled?: ConditionView;
  nextScheduleTime?: string;
  runs: RunStatus[];
  waiting: WaitingRun[];
}

const WAITING_STATES = new Set<RunStatus['state']>(['Queued', 'Retrying', 'Blocked']);

function condition(suite: BenchmarkSuite, type: string): ConditionView | undefined {
  const c = suite.status?.conditions?.find((x) => x.type === type);
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
}

export function suiteView(suite: BenchmarkSuite): SuiteView {
  const status = suite.status ?? {};
  const ready = condition(suite, 'Ready');
  const stalled = condition(suite, 'Stalled');
  const runs = status.runs ?? [];
  // A run with no reason of its own waits for what holds the whole suite (a window, a stall).
  const suiteReason = stalled?.status === 'True' ? stalled : ready?.status === 'False' ? ready : undefined;
  const waiting = runs
    .filter((r) => WAITING_STATES.has(r.state))
    .map((r) => ({
      run: r.name,
      state: r.state,
      reason: r.reason ?? suiteReason?.reason ?? 'NotScheduledYet',
      message: r.message ?? suiteReason?.message ?? 'the operator has not considered this run yet',
    }));
  return {
    namespace: suite.metadata?.namespace ?? '',
    name: suite.metadata?.name ?? '',
    phase: status.phase ?? (status.observedGeneration === undefined ? 'Unknown' : 'Pending'),
    round: status.round ?? 0,
    progress: status.progress ?? '',
    ...(status.sourceRevision ? { sourceRevision: status.sourceRevision } : {}),
    suspended: suite.spec.suspend === true,
    ...(ready ? { ready } : {}),
    ...(stalled?.status === 'True' ? { stalled } : {}),
    ...(status.nextScheduleTime ? { nextScheduleTime: status.nextScheduleTime } : {}),
    runs,
    waiting,
  };
}
