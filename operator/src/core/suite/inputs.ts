// SuiteInputs: what the cache holds for one suite, the inputs of everything the operator decides
// about it (its round in round-state.ts, why it stalls in stall.ts, its runs in round-runs.ts).
import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import type { AttemptObservation, JobView, PodView } from './observe.ts';
import type { RoundRecordView } from './round-record.ts';

/** What the cache holds for one suite: the inputs of everything the operator decides about it. */
export interface SuiteInputs {
  suite: BenchmarkSuite;
  /** The suite's Jobs (all rounds). */
  jobs: JobView[];
  podsOfJob: (job: JobView) => PodView[];
  /** Jobs created by the operator that the cache has not shown yet, as Active attempts. */
  pendingAttempts: AttemptObservation[];
  /** ProviderPolicies of the suite's namespace, by name. */
  providers: Map<string, ProviderPolicy>;
  schedulePolicy?: SchedulePolicy | undefined;
  /** The suite's BenchmarkRound records of finished rounds. */
  roundRecords: RoundRecordView[];
  now: number;
}
