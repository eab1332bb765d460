import type { RunState } from '../suite/run-state.ts';

/** A suite as one scheduling pass sees it. */
export interface SuiteSnapshot {
  /** `namespace/name`. */
  key: string;
  namespace: string;
  /** Creation time (ms), the fair-share tie-breaker: older suites first. */
  createdAt: number;
  /** Effective priority: the suite's, else its SchedulePolicy's, else 0. */
  priority: number;
  maxConcurrentRuns?: number | undefined;
  /** `namespace/name` of its SchedulePolicy, when it has one. */
  schedulePolicy?: string | undefined;
  /** Set when nothing of this suite may start now (suspended, outside its time windows), with why. */
  gate?: SuiteGate | undefined;
  /** The runs of the current round, in run order. */
  runs: RunState[];
  /** The run's target provider (`namespace/name` of its ProviderPolicy) and model, by run name. */
  placement: Map<string, { provider: string; model: string }>;
}

export interface ProviderSnapshot {
  maxConcurrentRuns?: number | undefined;
}

export interface PolicySnapshot {
  maxConcurrentRuns?: number | undefined;
}

export interface SchedulingSnapshot {
  now: number;
  suites: SuiteSnapshot[];
  providers: Map<string, ProviderSnapshot>;
  policies: Map<string, PolicySnapshot>;
}

export type DeferralReason =
  | 'ProviderCapacity'
  | 'PolicyCapacity'
  | 'SuiteCapacity'
  | 'Suspended'
  | 'OutsideWindow'
  | 'CircuitOpen'
  | 'ProviderDegraded'
  | 'BudgetExhausted';

/** A reason that holds back every run of a suite, and when it may lift (ms since the epoch). */
export interface SuiteGate {
  reason: DeferralReason;
  message: string;
  retryAt?: number;
}

export type Decision =
  | {
      type: 'admit';
      suite: string;
      run: string;
      attempt: number;
      provider: string;
      model: string;
      reason: 'Admitted';
      message: string;
    }
  | {
      type: 'defer';
      suite: string;
      run: string;
      reason: DeferralReason;
      message: string;
    };

export interface SchedulingResult {
  decisions: Decision[];
  /** The earliest time (ms) a run waiting out a backoff becomes admissible: when to look again. */
  nextWakeAt?: number;
}

interface Candidate {
  suite: SuiteSnapshot;
  run: RunState;
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
  const providerUse = new Map<string, number>();
  const policyUse = new Map<string, number>();
  const suiteUse = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string | undefined): void => {
    if (key !== undefined) map.set(key, (map.get(key) ?? 0) + 1);
  };
  let nextWakeAt: number | undefined;

  for (const suite of snapshot.suites) {
    for (const run of suite.runs) {
      if (run.state === 'Running') {
        bump(providerUse, providerKey(suite, run.provider));
        bump(policyUse, suite.schedulePolicy);
        bump(suiteUse, suite.key);
      }
      if (run.retryAt !== undefined && !run.admissible)
        nextWakeAt = Math.min(nextWakeAt ?? Infinity, run.retryAt);
    }
  }

  const waitingFor = new Map<string, number>();
  for (const { suite, run } of orderCandidates(snapshot.suites, suiteUse)) {
    const base = { suite: suite.key, run: run.spec.name };
    if (suite.gate) {
      decisions.push({ type: 'defer', ...base, reason: suite.gate.reason, message: suite.gate.message });
      continue;
    }
    const placement = suite.placement.get(run.spec.name)!;
    const deferral = capacityDeferral(snapshot, suite, placement.provider, {
      providerUse,
      policyUse,
      suiteUse,
    });
    if (deferral) {
      const ahead = waitingFor.get(deferral.scope) ?? 0;
      waitingFor.set(deferral.scope, ahead + 1);
      const queue = ahead === 0 ? 'first in line' : `${ahead} run${ahead === 1 ? '' : 's'} ahead of this one`;
      decisions.push({
        type: 'defer',
        ...base,
        reason: deferral.reason,
        message: `${deferral.message}; ${queue}`,
      });
      continue;
    }
    bump(providerUse, placement.provider);
    bump(policyUse, suite.schedulePolicy);
    bump(suiteUse, suite.key);
    decisions.push({
      type: 'admit',
      ...base,
      attempt: run.attempt + 1,
      provider: placement.provider,
      model: placement.model,
      reason: 'Admitted',
      message: `admitted on provider ${placement.provider.split('/')[1]} (priority ${suite.priority})`,
    });
  }
  return { decisions, ...(nextWakeAt !== undefined ? { nextWakeAt } : {}) };
}

function providerKey(suite: SuiteSnapshot, provider: string | undefined): string | undefined {
  return provider ? `${suite.namespace}/${provider}` : undefined;
}

interface Usage {
  providerUse: Map<string, number>;
  policyUse: Map<string, number>;
  suiteUse: Map<string, number>;
}

function capacityDeferral(
  snapshot: SchedulingSnapshot,
  suite: SuiteSnapshot,
  provider: string,
  usage: Usage,
): { reason: DeferralReason; scope: string; message: string } | undefined {
  const providerCap = snapshot.providers.get(provider)?.maxConcurrentRuns;
  const providerInUse = usage.providerUse.get(provider) ?? 0;
  if (providerCap !== undefined && providerInUse >= providerCap) {
    return {
      reason: 'ProviderCapacity',
      scope: `provider:${provider}`,
      message: `${providerInUse} of ${providerCap} runs of provider ${provider.split('/')[1]} in use`,
    };
  }
  if (suite.schedulePolicy) {
    const policyCap = snapshot.policies.get(suite.schedulePolicy)?.maxConcurrentRuns;
    const policyInUse = usage.policyUse.get(suite.schedulePolicy) ?? 0;
    if (policyCap !== undefined && policyInUse >= policyCap) {
      return {
        reason: 'PolicyCapacity',
        scope: `policy:${suite.schedulePolicy}`,
        message: `${policyInUse} of ${policyCap} runs of SchedulePolicy ${suite.schedulePolicy.split('/')[1]} in use`,
      };
    }
  }
  const suiteInUse = usage.suiteUse.get(suite.key) ?? 0;
  if (suite.maxConcurrentRuns !== undefined && suiteInUse >= suite.maxConcurrentRuns) {
    return {
      reason: 'SuiteCapacity',
      scope: `suite:${suite.key}`,
      message: `${suiteInUse} of ${suite.maxConcurrentRuns} runs of this suite in use`,
    };
  }
  return undefined;
}

/**
 * Admissible runs in admission order. Within a priority level this is a fair merge: each step
 * takes the next run of the suite with the fewest runs in use so far (then the oldest suite), so
 * one large suite cannot starve the others.
 */
function* orderCandidates(suites: SuiteSnapshot[], suiteUse: Map<string, number>): Generator<Candidate> {
  const levels = new Map<number, Array<{ suite: SuiteSnapshot; queue: RunState[]; next: number }>>();
  for (const suite of suites) {
    const queue = suite.runs.filter((r) => r.admissible);
    if (queue.length === 0) continue;
    const level = levels.get(suite.priority) ?? [];
    level.push({ suite, queue, next: 0 });
    levels.set(suite.priority, level);
  }
  for (const priority of [...levels.keys()].sort((a, b) => b - a)) {
    const heap = new MinHeap(levels.get(priority)!, (a, b) => {
      const byUse = (suiteUse.get(a.suite.key) ?? 0) - (suiteUse.get(b.suite.key) ?? 0);
      if (byUse !== 0) return byUse;
      if (a.suite.createdAt !== b.suite.createdAt) return a.suite.createdAt - b.suite.createdAt;
      return a.suite.key < b.suite.key ? -1 : a.suite.key > b.suite.key ? 1 : 0;
    });
    for (let entry = heap.pop(); entry; entry = heap.pop()) {
      const run = entry.queue[entry.next++]!;
      yield { suite: entry.suite, run };
      // The yield may have admitted the run (suiteUse changed): re-insert with its new weight.
      if (entry.next < entry.queue.length) heap.push(entry);
    }
  }
}

/** A binary min-heap; the comparison is read on every push/pop, so changing weights are honoured for re-inserted items. */
class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => number;
  constructor(items: T[], less: (a: T, b: T) => number) {
    this.less = less;
    for (const item of items) this.push(item);
  }
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && this.less(items[l]!, items[smallest]!) < 0) smallest = l;
        if (r < items.length && this.less(items[r]!, items[smallest]!) < 0) smallest = r;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
