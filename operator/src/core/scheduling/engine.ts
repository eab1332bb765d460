import type { RunState } from '../suite/run-state.ts';
import { forEachCandidate } from './candidate-order.ts';
import { queuedMessage, sharedCapacity, Usage, type ProviderState, type SuiteUse } from './pass-usage.ts';

/** A suite as one scheduling pass sees it. */
export interface SuiteSnapshot {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  /** Creation time (ms), the last fair-share tie-breaker: older suites first. */
  createdAt: number;
  /**
   * When a run of this suite last started (ms), if ever. Among suites with as many runs in use,
   * the one served longest ago goes first: without it, short runs that finish between passes
   * would let the oldest suite take every freed slot and starve the others.
   */
  lastAdmittedAt?: number | undefined;
  /** Effective priority: the suite's, else its SchedulePolicy's, else 0. */
  priority: number;
  maxConcurrentRuns?: number | undefined;
  /** `namespace/name` of its SchedulePolicy, when it has one. */
  schedulePolicy?: string | undefined;
  /** Set when nothing of this suite may start now (suspended, outside its time windows), with why. */
  gate?: SuiteGate | undefined;
  /** Runs held back on their own until a time, by run name (e.g. their Job was refused). */
  holds?: ReadonlyMap<string, RunHold> | undefined;
  /** The runs of the current round, in run order. */
  runs: RunState[];
  /**
   * Where each run goes, by its index in `runs`: its target provider (`namespace/name` of its
   * ProviderPolicy) and model, and the provider of its judge (`namespace/name`) when its benchmark
   * has one. An array in step with the runs, so a pass reads both in memory order.
   */
  placements: readonly RunPlacement[];
  /**
   * Jobs of the suite's earlier rounds still running (`concurrencyPolicy: Allow` keeps them, and a
   * replaced round's take a while to go), by provider (`namespace/name`): they use capacity too.
   */
  earlierRounds?: ReadonlyMap<string, number> | undefined;
}

export interface RunPlacement {
  provider: string;
  model: string;
  /** The judge's provider: a run also takes a slot (and a budget reserve) of it. */
  judge?: string | undefined;
}

export interface ProviderSnapshot {
  maxConcurrentRuns?: number | undefined;
  circuit?: {
    state: CircuitState;
    openUntil?: number | undefined;
    halfOpenMaxRuns: number;
  };
  /** Set while the provider rejected credentials and its spec has not changed since: why. */
  degraded?: string | undefined;
  budget?: BudgetSnapshot | undefined;
  /** Where this provider's runs go while its circuit is open, in order, with model mappings. */
  failover?: Array<{ provider: string; models: Record<string, string> }>;
  /** The models the provider allows (spec.models); absent or empty: any. A failover honours it too. */
  models?: readonly string[] | undefined;
}

/** Money in nano-units (see core/provider/money.ts). */
export interface BudgetSnapshot {
  limit: bigint;
  spent: bigint;
  /** The estimated cost reserved for each run in flight. */
  reservePerRun: bigint;
  /** Display strings for messages. */
  describe: string;
  /** When the next period starts (ms). */
  resetsAt: number;
}

export interface PolicySnapshot {
  maxConcurrentRuns?: number | undefined;
}

export interface SchedulingSnapshot {
  now: number;
  suites: SuiteSnapshot[];
  providers: Map<string, ProviderSnapshot>;
  policies: Map<string, PolicySnapshot>;
  /**
   * At most this many admissions in the pass (absent: no bound). Once it has made them the pass
   * stops: the runs it has not reached get no decision (`more` says there are some).
   */
  maxAdmissions?: number | undefined;
  /**
   * The operator's own cap: runs in use at once over every suite (--scheduler-max-active-runs,
   * which bounds the Jobs and pods it holds in memory). Absent: none.
   */
  maxActiveRuns?: number | undefined;
}

export type DeferralReason =
  | 'ProviderCapacity'
  | 'PolicyCapacity'
  | 'SuiteCapacity'
  /** The operator's own cap over every suite (SchedulingSnapshot.maxActiveRuns). */
  | 'OperatorCapacity'
  | 'Suspended'
  | 'OutsideWindow'
  | 'CircuitOpen'
  | 'ProviderDegraded'
  | 'BudgetExhausted'
  /** The audit outbox is at its bound: nothing starts until the sink has caught up (docs/audit.md). */
  | 'AuditBacklogFull'
  /** The API server refused the run's Job: it waits out its own backoff before it is tried again. */
  | 'JobRejected';

/** A reason that holds back every run of a suite, and when it may lift (ms since the epoch). */
export interface SuiteGate {
  reason: DeferralReason;
  message: string;
  retryAt?: number;
}

/**
 * One run held back until `until` (ms since the epoch): it is deferred with this reason and
 * message, takes no capacity, and the pass wakes at `until`. Past `until` it is admissible again.
 */
export interface RunHold {
  reason: DeferralReason;
  message: string;
  until: number;
}

/** Runs in use against a cap when a decision was taken (this pass's earlier admissions included). */
export interface CapacityUse {
  inUse: number;
  /** Absent: no cap. */
  limit?: number;
}

/** What an admission was decided on, for its audit record. */
export interface AdmissionInputs {
  priority: number;
  /**
   * Use of the provider the run goes to, of its judge's provider, of the suite's SchedulePolicy and
   * of the suite, and the operator's own use, before it.
   */
  capacity: {
    provider: CapacityUse;
    judge?: CapacityUse;
    policy?: CapacityUse;
    suite?: CapacityUse;
    operator?: CapacityUse;
  };
  /** The circuit of the provider the run goes to, and, after a failover, of its own provider. */
  circuit: { state: CircuitState; target?: CircuitState };
}

export type CircuitState = 'Closed' | 'Open' | 'HalfOpen';

export type Decision =
  | {
      type: 'admit';
      suite: string;
      run: string;
      attempt: number;
      provider: string;
      model: string;
      reason: 'Admitted' | 'FailedOver';
      message: string;
      inputs: AdmissionInputs;
    }
  | {
      type: 'defer';
      suite: string;
      run: string;
      reason: DeferralReason;
      message: string;
      priority: number;
      /** For the capacity reasons: the cap that holds the run back. */
      capacity?: CapacityUse;
    };

export interface SchedulingResult {
  decisions: Decision[];
  /** The earliest time (ms) a run waiting out a backoff becomes admissible: when to look again. */
  nextWakeAt?: number;
  /** The pass stopped at `maxAdmissions` with admissible runs it did not decide: look again at once. */
  more?: true;
}

/**
 * One scheduling pass: which admissible runs get a Job now, and why each other one waits.
 *
 * Order: effective priority, highest first; within a priority, fair share between suites (the
 * suite with the fewest running runs, counting those admitted in this pass, goes next; ties go to
 * the older suite); within a suite, run order (dependencies first). Capacity is counted from runs
 * already running (including Jobs created but not yet seen in the cache: the caller passes them
 * as attempts) plus this pass's admissions, so no cap is ever exceeded.
 */
export function schedule(snapshot: SchedulingSnapshot): SchedulingResult {
  const decisions: Decision[] = [];
  const usage = new Usage(snapshot);
  const suites = snapshot.suites.map((suite) => usage.suite(suite));
  let nextWakeAt = Infinity;

  for (const suite of suites) {
    const { snapshot: s, policy } = suite;
    for (let i = 0; i < s.runs.length; i++) {
      const run = s.runs[i]!;
      if (run.state === 'Running') {
        const provider = run.provider ? usage.providerIn(s.namespace, run.provider) : undefined;
        if (provider) provider.inUse++;
        const judge = s.placements[i]!.judge;
        if (judge !== undefined && judge !== provider?.key) usage.provider(judge).inUse++;
        if (policy) policy.inUse++;
        suite.use.inUse++;
        usage.operator.inUse++;
      }
      if (run.retryAt !== undefined && !run.admissible) nextWakeAt = Math.min(nextWakeAt, run.retryAt);
      const hold = run.admissible ? heldUntil(s, run, snapshot.now) : undefined;
      if (hold !== undefined) nextWakeAt = Math.min(nextWakeAt, hold.until);
    }
    for (const [provider, count] of s.earlierRounds ?? []) {
      usage.provider(provider).inUse += count;
      if (policy) policy.inUse += count;
      suite.use.inUse += count;
      usage.operator.inUse += count;
    }
    // A suite held back as a whole (e.g. outside its time windows) is looked at again when that lifts.
    if (s.gate?.retryAt !== undefined && s.runs.some((r) => r.admissible)) {
      nextWakeAt = Math.min(nextWakeAt, s.gate.retryAt);
    }
  }

  const maxAdmissions = snapshot.maxAdmissions ?? Infinity;
  let admissions = 0;
  const more = forEachCandidate(suites, (suite, index) => {
    if (admissions === maxAdmissions) return 'stop';
    const s = suite.snapshot;
    const run = s.runs[index]!;
    if (s.gate) {
      decisions.push(deferred(s, run, s.gate.reason, s.gate.message));
      return false;
    }
    // Before capacity is looked at: a held run takes no slot, so it cannot hold back the runs behind it.
    const hold = heldUntil(s, run, snapshot.now);
    if (hold) {
      decisions.push(deferred(s, run, hold.reason, hold.message));
      return false;
    }
    // The operator's, the policy's and the suite's caps hold wherever the run would go: no need to
    // look up where.
    const choice = usage.operatorCapacity() ?? sharedCapacity(suite) ?? usage.placement(s.placements[index]!);
    if (choice.type === 'defer') {
      const message = choice.queue ? queuedMessage(choice, choice.queue) : choice.message;
      if (choice.retryAt !== undefined) nextWakeAt = Math.min(nextWakeAt, choice.retryAt);
      decisions.push(deferred(s, run, choice.reason, message, choice.capacity));
      return false;
    }
    const { target } = choice;
    const inputs = admissionInputs(suite, target, choice.provider, usage);
    usage.admit(suite, target, choice.provider);
    const failedOver = choice.provider.key !== target.provider;
    const name = choice.provider.name;
    decisions.push({
      type: 'admit',
      suite: s.key,
      run: run.spec.name,
      attempt: run.attempt + 1,
      provider: choice.provider.key,
      model: choice.model,
      reason: failedOver ? 'FailedOver' : 'Admitted',
      message: failedOver
        ? `admitted on failover provider ${name} with model ${choice.model}: ${choice.why} (priority ${s.priority})`
        : `admitted on provider ${name} (priority ${s.priority})`,
      inputs,
    });
    admissions++;
    return true;
  });
  const result: SchedulingResult = { decisions };
  if (nextWakeAt !== Infinity) result.nextWakeAt = nextWakeAt;
  if (more) result.more = true;
  return result;
}

/** A deferral decision; `capacity` only for the capacity reasons (absent, not undefined, otherwise). */
function deferred(
  suite: SuiteSnapshot,
  run: RunState,
  reason: DeferralReason,
  message: string,
  capacity?: CapacityUse,
): Decision {
  const { key, priority } = suite;
  const name = run.spec.name;
  return capacity
    ? { type: 'defer', suite: key, run: name, reason, message, priority, capacity }
    : { type: 'defer', suite: key, run: name, reason, message, priority };
}

function heldUntil(suite: SuiteSnapshot, run: RunState, now: number): RunHold | undefined {
  const hold = suite.holds?.get(run.spec.name);
  return hold && hold.until > now ? hold : undefined;
}

/** The caps and circuit states an admission was decided on, before it counts. */
function admissionInputs(
  suite: SuiteUse,
  placement: RunPlacement,
  chosen: ProviderState,
  usage: Usage,
): AdmissionInputs {
  const target = usage.provider(placement.provider);
  const { snapshot: s, policy } = suite;
  // Only the caps that apply, in this order (no spreads: this runs for every admission).
  const capacity: AdmissionInputs['capacity'] = { provider: providerUse(chosen) };
  if (placement.judge) capacity.judge = providerUse(usage.provider(placement.judge));
  if (policy) capacity.policy = capacityUse(policy.inUse, policy.cap);
  if (s.maxConcurrentRuns !== undefined) capacity.suite = capacityUse(suite.use.inUse, s.maxConcurrentRuns);
  const { operator } = usage;
  if (operator.cap !== undefined) capacity.operator = capacityUse(operator.inUse, operator.cap);
  return {
    priority: s.priority,
    capacity,
    circuit:
      chosen === target
        ? { state: circuitOf(chosen) }
        : { state: circuitOf(chosen), target: circuitOf(target) },
  };
}

const capacityUse = (inUse: number, limit: number | undefined): CapacityUse =>
  limit === undefined ? { inUse } : { inUse, limit };

const providerUse = (p: ProviderState): CapacityUse => capacityUse(p.inUse, p.spec?.maxConcurrentRuns);

const circuitOf = (p: ProviderState): CircuitState => p.spec?.circuit?.state ?? 'Closed';
