import type { RunState } from '../suite/run-state.ts';

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
   * The run's target provider (`namespace/name` of its ProviderPolicy) and model, by run name, and
   * the provider of its judge (`namespace/name`) when its benchmark has one.
   */
  placement: Map<string, RunPlacement>;
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
}

export type DeferralReason =
  | 'ProviderCapacity'
  | 'PolicyCapacity'
  | 'SuiteCapacity'
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
   * of the suite, before it.
   */
  capacity: { provider: CapacityUse; judge?: CapacityUse; policy?: CapacityUse; suite?: CapacityUse };
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
        const provider = providerKey(suite, run.provider);
        bump(providerUse, provider);
        bump(providerUse, judgeSlot(suite.placement.get(run.spec.name)?.judge, provider));
        bump(policyUse, suite.schedulePolicy);
        bump(suiteUse, suite.key);
      }
      if (run.retryAt !== undefined && !run.admissible)
        nextWakeAt = Math.min(nextWakeAt ?? Infinity, run.retryAt);
      const hold = run.admissible ? heldUntil(suite, run, snapshot.now) : undefined;
      if (hold !== undefined) nextWakeAt = Math.min(nextWakeAt ?? Infinity, hold.until);
    }
    for (const [provider, count] of suite.earlierRounds ?? []) {
      for (let i = 0; i < count; i++) {
        bump(providerUse, provider);
        bump(policyUse, suite.schedulePolicy);
        bump(suiteUse, suite.key);
      }
    }
    // A suite held back as a whole (e.g. outside its time windows) is looked at again when that lifts.
    if (suite.gate?.retryAt !== undefined && suite.runs.some((r) => r.admissible)) {
      nextWakeAt = Math.min(nextWakeAt ?? Infinity, suite.gate.retryAt);
    }
  }

  const waitingFor = new Map<string, number>();
  const usage: Usage = {
    providerUse,
    policyUse,
    suiteUse,
    now: snapshot.now,
    providerDeferrals: new Map(),
    policyDeferrals: new Map(),
    suiteDeferrals: new Map(),
    failoverDeferrals: new Map(),
    admissions: 0,
  };
  forEachCandidate(snapshot.suites, suiteUse, (suite, run) => {
    if (suite.gate) {
      decisions.push({
        type: 'defer',
        suite: suite.key,
        run: run.spec.name,
        reason: suite.gate.reason,
        message: suite.gate.message,
        priority: suite.priority,
      });
      return false;
    }
    // Before capacity is looked at: a held run takes no slot, so it cannot hold back the runs behind it.
    const hold = heldUntil(suite, run, snapshot.now);
    if (hold) {
      decisions.push({
        type: 'defer',
        suite: suite.key,
        run: run.spec.name,
        reason: hold.reason,
        message: hold.message,
        priority: suite.priority,
      });
      return false;
    }
    const target = suite.placement.get(run.spec.name)!;
    const choice = choosePlacement(snapshot, suite, target, usage);
    if ('deferral' in choice) {
      const { deferral } = choice;
      let message = deferral.message;
      if (deferral.scope) {
        const ahead = waitingFor.get(deferral.scope) ?? 0;
        waitingFor.set(deferral.scope, ahead + 1);
        message += `; ${ahead === 0 ? 'first in line' : `${ahead} run${ahead === 1 ? '' : 's'} ahead of this one`}`;
      }
      if (deferral.retryAt !== undefined) nextWakeAt = Math.min(nextWakeAt ?? Infinity, deferral.retryAt);
      decisions.push({
        type: 'defer',
        suite: suite.key,
        run: run.spec.name,
        reason: deferral.reason,
        message,
        priority: suite.priority,
        ...(deferral.capacity ? { capacity: deferral.capacity } : {}),
      });
      return false;
    }
    const inputs = admissionInputs(snapshot, suite, target, choice.provider, usage);
    bump(providerUse, choice.provider);
    bump(providerUse, judgeSlot(target.judge, choice.provider));
    bump(policyUse, suite.schedulePolicy);
    bump(suiteUse, suite.key);
    // What this admission changed: the memoized answers for its provider and policy, and (through
    // the alternatives' use) every failover answer.
    usage.providerDeferrals.delete(choice.provider);
    if (target.judge) usage.providerDeferrals.delete(target.judge);
    if (suite.schedulePolicy) usage.policyDeferrals.delete(suite.schedulePolicy);
    usage.admissions++;
    const failedOver = choice.provider !== target.provider;
    decisions.push({
      type: 'admit',
      suite: suite.key,
      run: run.spec.name,
      attempt: run.attempt + 1,
      provider: choice.provider,
      model: choice.model,
      reason: failedOver ? 'FailedOver' : 'Admitted',
      message: failedOver
        ? `admitted on failover provider ${nameOf(choice.provider)} with model ${choice.model}: ${choice.why} (priority ${suite.priority})`
        : `admitted on provider ${nameOf(choice.provider)} (priority ${suite.priority})`,
      inputs,
    });
    return true;
  });
  return { decisions, ...(nextWakeAt !== undefined ? { nextWakeAt } : {}) };
}

function heldUntil(suite: SuiteSnapshot, run: RunState, now: number): RunHold | undefined {
  const hold = suite.holds?.get(run.spec.name);
  return hold && hold.until > now ? hold : undefined;
}

/** The caps and circuit states an admission was decided on, before it counts. */
function admissionInputs(
  snapshot: SchedulingSnapshot,
  suite: SuiteSnapshot,
  placement: RunPlacement,
  chosen: string,
  usage: Usage,
): AdmissionInputs {
  const use = (inUse: number, limit: number | undefined): CapacityUse =>
    limit === undefined ? { inUse } : { inUse, limit };
  const target = placement.provider;
  const providerUse = (key: string) =>
    use(usage.providerUse.get(key) ?? 0, snapshot.providers.get(key)?.maxConcurrentRuns);
  const policy = suite.schedulePolicy;
  const state = (key: string): CircuitState => snapshot.providers.get(key)?.circuit?.state ?? 'Closed';
  return {
    priority: suite.priority,
    capacity: {
      provider: providerUse(chosen),
      ...(placement.judge ? { judge: providerUse(placement.judge) } : {}),
      ...(policy
        ? { policy: use(usage.policyUse.get(policy) ?? 0, snapshot.policies.get(policy)?.maxConcurrentRuns) }
        : {}),
      ...(suite.maxConcurrentRuns !== undefined
        ? { suite: use(usage.suiteUse.get(suite.key) ?? 0, suite.maxConcurrentRuns) }
        : {}),
    },
    circuit: chosen === target ? { state: state(chosen) } : { state: state(chosen), target: state(target) },
  };
}

/** The judge's provider when it is another than the run's: a run takes one slot of a provider. */
function judgeSlot(judge: string | undefined, provider: string | undefined): string | undefined {
  return judge !== provider ? judge : undefined;
}

function providerKey(suite: SuiteSnapshot, provider: string | undefined): string | undefined {
  return provider ? `${suite.namespace}/${provider}` : undefined;
}

/**
 * Use counts during a pass, and answers memoized within it. Use only grows during a pass, so a
 * provider or policy that holds runs back keeps doing so with the same message until something
 * is admitted on it (which deletes its entry); a failover answer depends on several providers
 * and is kept only while nothing at all has been admitted since. Without the memo a pass over
 * 10,000 queued runs re-derived (and re-formatted) the same deferral thousands of times.
 */
interface Usage {
  providerUse: Map<string, number>;
  policyUse: Map<string, number>;
  suiteUse: Map<string, number>;
  now: number;
  providerDeferrals: Map<string, Deferral | undefined>;
  policyDeferrals: Map<string, Deferral | undefined>;
  suiteDeferrals: Map<string, Deferral>;
  failoverDeferrals: Map<string, { admissions: number; deferral: Deferral }>;
  /** Admissions so far in this pass. */
  admissions: number;
}

interface Deferral {
  reason: DeferralReason;
  message: string;
  capacity?: CapacityUse;
  /** Runs waiting for the same thing share a queue position counter. */
  scope?: string;
  retryAt?: number;
}

const nameOf = (key: string): string => key.slice(key.indexOf('/') + 1);

/**
 * Where a run may start now: its own provider, or, while that provider's circuit is open, the
 * first failover provider that can take it; else why it waits (the policy's and the suite's caps
 * apply wherever it runs, and its judge's provider must be able to take it too: a judge has no
 * failover, so a run whose judge cannot grade waits rather than pay for answers nobody scores).
 */
function choosePlacement(
  snapshot: SchedulingSnapshot,
  suite: SuiteSnapshot,
  target: RunPlacement,
  usage: Usage,
): { provider: string; model: string; why: string } | { deferral: Deferral } {
  const shared = sharedCapacity(snapshot, suite, usage);
  if (shared) return { deferral: shared };
  if (target.judge) {
    const judge = providerDeferral(snapshot, target.judge, usage);
    if (judge) return { deferral: { ...judge, message: `judge: ${judge.message}` } };
  }
  const primary = providerDeferral(snapshot, target.provider, usage);
  if (!primary) return { provider: target.provider, model: target.model, why: '' };
  if (primary.reason !== 'CircuitOpen') return { deferral: primary };
  const known = usage.failoverDeferrals.get(target.provider);
  if (known && known.admissions === usage.admissions) return { deferral: known.deferral };
  const tried: string[] = [];
  for (const alternative of snapshot.providers.get(target.provider)?.failover ?? []) {
    const model = alternative.models[target.model] ?? target.model;
    const allowed = snapshot.providers.get(alternative.provider)?.models;
    if (allowed && allowed.length > 0 && !allowed.includes(model)) {
      // The fallback's allow-list binds a failover as it binds its own targets (core/suite/stall.ts, ModelNotAllowed).
      tried.push(`${nameOf(alternative.provider)}: model ${model} is not among the models it allows`);
      continue;
    }
    const blocked = providerDeferral(snapshot, alternative.provider, usage);
    if (!blocked) return { provider: alternative.provider, model, why: primary.message };
    tried.push(`${nameOf(alternative.provider)}: ${blocked.message}`);
  }
  const deferral = {
    ...primary,
    message: tried.length
      ? `${primary.message}; no failover provider can take it (${tried.join('; ')})`
      : primary.message,
  };
  usage.failoverDeferrals.set(target.provider, { admissions: usage.admissions, deferral });
  return { deferral };
}

/** Why no run may start on the provider now (memoized within the pass), or undefined if one may. */
function providerDeferral(
  snapshot: SchedulingSnapshot,
  provider: string,
  usage: Usage,
): Deferral | undefined {
  const memo = usage.providerDeferrals;
  if (memo.has(provider)) return memo.get(provider);
  const deferral = deriveProviderDeferral(snapshot, provider, usage);
  memo.set(provider, deferral);
  return deferral;
}

function deriveProviderDeferral(
  snapshot: SchedulingSnapshot,
  provider: string,
  usage: Usage,
): Deferral | undefined {
  const p = snapshot.providers.get(provider);
  if (!p) return { reason: 'ProviderDegraded', message: `ProviderPolicy ${nameOf(provider)} does not exist` };
  const name = nameOf(provider);
  if (p.degraded)
    return { reason: 'ProviderDegraded', message: `provider ${name} is degraded: ${p.degraded}` };
  const circuit = p.circuit;
  const open =
    circuit?.state === 'Open' && (circuit.openUntil === undefined || circuit.openUntil > usage.now);
  if (open) {
    return {
      reason: 'CircuitOpen',
      message: `the circuit of provider ${name} is open${circuit.openUntil ? ` until ${new Date(circuit.openUntil).toISOString()}` : ''}`,
      ...(circuit.openUntil !== undefined ? { retryAt: circuit.openUntil } : {}),
    };
  }
  const inUse = usage.providerUse.get(provider) ?? 0;
  if (p.budget && p.budget.spent + p.budget.reservePerRun * BigInt(inUse) >= p.budget.limit) {
    return {
      reason: 'BudgetExhausted',
      message: `provider ${name} has spent ${p.budget.describe}${inUse ? ` (${inUse} run${inUse === 1 ? '' : 's'} in flight reserve their expected cost)` : ''}; the budget renews at ${new Date(p.budget.resetsAt).toISOString()}`,
      retryAt: p.budget.resetsAt,
    };
  }
  const probing = circuit?.state === 'HalfOpen' || (circuit?.state === 'Open' && !open);
  const cap = probing
    ? Math.min(p.maxConcurrentRuns ?? Infinity, circuit.halfOpenMaxRuns)
    : p.maxConcurrentRuns;
  if (cap !== undefined && inUse >= cap) {
    return {
      reason: 'ProviderCapacity',
      scope: `provider:${provider}`,
      capacity: { inUse, limit: cap },
      message: probing
        ? `provider ${name} is half-open: ${inUse} of ${cap} probe run${cap === 1 ? '' : 's'} in flight`
        : `${inUse} of ${cap} runs of provider ${name} in use`,
    };
  }
  return undefined;
}

function sharedCapacity(
  snapshot: SchedulingSnapshot,
  suite: SuiteSnapshot,
  usage: Usage,
): Deferral | undefined {
  const policy = suite.schedulePolicy;
  if (policy) {
    let deferral = usage.policyDeferrals.get(policy);
    if (deferral === undefined && !usage.policyDeferrals.has(policy)) {
      const policyCap = snapshot.policies.get(policy)?.maxConcurrentRuns;
      const policyInUse = usage.policyUse.get(policy) ?? 0;
      if (policyCap !== undefined && policyInUse >= policyCap) {
        deferral = {
          reason: 'PolicyCapacity',
          scope: `policy:${policy}`,
          capacity: { inUse: policyInUse, limit: policyCap },
          message: `${policyInUse} of ${policyCap} runs of SchedulePolicy ${nameOf(policy)} in use`,
        };
      }
      usage.policyDeferrals.set(policy, deferral);
    }
    if (deferral) return deferral;
  }
  if (suite.maxConcurrentRuns === undefined) return undefined;
  // A full suite admits nothing more in this pass, so its answer is kept for its other runs.
  const known = usage.suiteDeferrals.get(suite.key);
  if (known) return known;
  const suiteInUse = usage.suiteUse.get(suite.key) ?? 0;
  if (suiteInUse < suite.maxConcurrentRuns) return undefined;
  const deferral: Deferral = {
    reason: 'SuiteCapacity',
    scope: `suite:${suite.key}`,
    capacity: { inUse: suiteInUse, limit: suite.maxConcurrentRuns },
    message: `${suiteInUse} of ${suite.maxConcurrentRuns} runs of this suite in use`,
  };
  usage.suiteDeferrals.set(suite.key, deferral);
  return deferral;
}

/**
 * Admissible runs in admission order. Within a priority level this is a fair merge: each step
 * takes the next run of the suite with the fewest runs in use so far (then the oldest suite), so
 * one large suite cannot starve the others.
 */
function forEachCandidate(
  suites: SuiteSnapshot[],
  suiteUse: Map<string, number>,
  visit: (suite: SuiteSnapshot, run: RunState) => boolean,
): void {
  // Entries of one shape (every field always present), so the comparison stays monomorphic.
  const levels = new Map<
    number,
    Array<{ suite: SuiteSnapshot; queue: RunState[]; next: number; use: number; servedAt: number }>
  >();
  for (const suite of suites) {
    const queue = suite.runs.filter((r) => r.admissible);
    if (queue.length === 0) continue;
    const level = levels.get(suite.priority) ?? [];
    level.push({
      suite,
      queue,
      next: 0,
      use: suiteUse.get(suite.key) ?? 0,
      servedAt: suite.lastAdmittedAt ?? -Infinity,
    });
    levels.set(suite.priority, level);
  }
  for (const priority of [...levels.keys()].sort((a, b) => b - a)) {
    const heap = new MinHeap(levels.get(priority)!, (a, b) => {
      const byUse = a.use - b.use;
      if (byUse !== 0) return byUse;
      if (a.servedAt !== b.servedAt) return a.servedAt < b.servedAt ? -1 : 1;
      if (a.suite.createdAt !== b.suite.createdAt) return a.suite.createdAt - b.suite.createdAt;
      return a.suite.key < b.suite.key ? -1 : a.suite.key > b.suite.key ? 1 : 0;
    });
    for (let entry = heap.pop(); entry; entry = heap.pop()) {
      const run = entry.queue[entry.next++]!;
      if (visit(entry.suite, run)) {
        entry.use++;
        entry.servedAt = Infinity; // served in this pass: last in its tie
      }
      // The visit may have admitted the run (its use grew): re-insert with its new weight.
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
      if (this.less(item, items[parent]!) >= 0) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      // Sift the last item down from the root, moving smaller children up into the hole.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = l < items.length && this.less(items[l]!, last) < 0 ? l : -1;
        if (r < items.length && this.less(items[r]!, smallest === -1 ? last : items[l]!) < 0) smallest = r;
        if (smallest === -1) break;
        items[i] = items[smallest]!;
        i = smallest;
      }
      items[i] = last;
    }
    return top;
  }
}
