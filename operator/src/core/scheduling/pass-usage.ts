import type {
  CapacityUse,
  DeferralReason,
  ProviderSnapshot,
  RunPlacement,
  SchedulingSnapshot,
  SuiteSnapshot,
} from './engine.ts';

/** Runs deferred so far in this pass because one cap was reached: the next one's queue position. */
interface Queue {
  waiting: number;
}

/**
 * Places in line are exact up to here; further back a run's message says only the power of ten of
 * the runs ahead. Exact places deep in a long queue change for every run behind each admission:
 * every waiting run's status would then be rewritten after each pass, and each message be a string
 * of its own. The runs near the front, whose place matters, keep theirs.
 */
export const EXACT_QUEUE_PLACES = 100;

/** Why a run may not start now. */
export interface Deferral {
  type: 'defer';
  reason: DeferralReason;
  message: string;
  capacity?: CapacityUse;
  /** Runs waiting for the same cap share a queue. */
  queue?: Queue;
  /** Its message with each place in line (queuedMessage), shared by the runs at that place. */
  placed?: string[];
  retryAt?: number;
}

/** Where a run may start now, with why it goes to a failover provider when it does. */
export interface Admission {
  type: 'admit';
  /** Where the run was placed. */
  target: RunPlacement;
  provider: ProviderState;
  model: string;
  why: string;
}

/**
 * A provider during a pass: its use, and why nothing may start on it now, kept until its use
 * changes. Use only grows during a pass, so a provider that holds runs back keeps doing so with
 * the same message until something is admitted on it. Without the memo a pass re-derived (and
 * re-formatted) the same deferral for every run waiting behind a full provider.
 */
export interface ProviderState extends Queue {
  key: string;
  name: string;
  spec: ProviderSnapshot | undefined;
  inUse: number;
  /** null: not derived since its use last changed. */
  deferral: Deferral | undefined | null;
  /** The same, for runs whose judge it is (its message says so). */
  asJudge: Deferral | undefined | null;
  /**
   * The deferral of a run targeting this provider (with `model`) while its circuit is open and no
   * failover provider could take it, with the pass's admissions when it was derived: it depends on
   * several providers' use, so it is kept only while nothing at all has been admitted since; and
   * on the model (the failovers' model mappings and allow-lists).
   */
  failover: { admissions: number; model: string; deferral: Deferral } | undefined;
}

/**
 * A cap shared by several suites during a pass: its use, and why it holds runs back, kept until an
 * admission counts against it (null: not derived since).
 */
interface SharedCap extends Queue {
  cap: number | undefined;
  inUse: number;
  deferral: Deferral | undefined | null;
  /** What its message says is in use, after "N of M runs ". */
  what: string;
}

export interface PolicyState extends SharedCap {
  key: string;
}

/** The operator's use over every suite, against its own cap (SchedulingSnapshot.maxActiveRuns). */
export type OperatorState = SharedCap;

/** A suite's use (by its key); once full it admits nothing more in this pass, so its deferral is kept. */
interface SuiteState extends Queue {
  inUse: number;
  deferral: Deferral | undefined;
}

/** A suite of the pass with what it counts against: its own use and its SchedulePolicy's. */
export interface SuiteUse {
  snapshot: SuiteSnapshot;
  use: SuiteState;
  policy: PolicyState | undefined;
}

/** Use counts and memoized answers during one pass, by provider, SchedulePolicy and suite. */
export class Usage {
  private readonly snapshot: SchedulingSnapshot;
  private readonly providers = new Map<string, ProviderState>();
  private readonly byNamespace = new Map<string, Map<string, ProviderState>>();
  private readonly policies = new Map<string, PolicyState>();
  private readonly suites = new Map<string, SuiteState>();
  readonly operator: OperatorState;
  /** Admissions so far in this pass. */
  private admissions = 0;

  constructor(snapshot: SchedulingSnapshot) {
    this.snapshot = snapshot;
    this.operator = {
      cap: snapshot.maxActiveRuns,
      inUse: 0,
      deferral: null,
      waiting: 0,
      what: 'in use across the operator (its --scheduler-max-active-runs)',
    };
  }

  /** The provider `name` of `namespace`, without building its key when it has been seen before. */
  providerIn(namespace: string, name: string): ProviderState {
    let names = this.byNamespace.get(namespace);
    if (!names) {
      names = new Map();
      this.byNamespace.set(namespace, names);
    }
    let state = names.get(name);
    if (!state) {
      state = this.provider(`${namespace}/${name}`);
      names.set(name, state);
    }
    return state;
  }

  provider(key: string): ProviderState {
    let state = this.providers.get(key);
    if (!state) {
      state = {
        key,
        name: nameOf(key),
        spec: this.snapshot.providers.get(key),
        inUse: 0,
        deferral: null,
        asJudge: null,
        failover: undefined,
        waiting: 0,
      };
      this.providers.set(key, state);
    }
    return state;
  }

  suite(snapshot: SuiteSnapshot): SuiteUse {
    let use = this.suites.get(snapshot.key);
    if (!use) {
      use = { inUse: 0, deferral: undefined, waiting: 0 };
      this.suites.set(snapshot.key, use);
    }
    return { snapshot, use, policy: this.policy(snapshot.schedulePolicy) };
  }

  private policy(key: string | undefined): PolicyState | undefined {
    if (key === undefined) return undefined;
    let state = this.policies.get(key);
    if (!state) {
      const cap = this.snapshot.policies.get(key)?.maxConcurrentRuns;
      state = {
        key,
        cap,
        inUse: 0,
        deferral: null,
        waiting: 0,
        what: `of SchedulePolicy ${nameOf(key)} in use`,
      };
      this.policies.set(key, state);
    }
    return state;
  }

  /** Counts an admission on `provider`, and forgets the answers it changed. */
  admit(suite: SuiteUse, placement: RunPlacement, provider: ProviderState): void {
    provider.inUse++;
    forget(provider);
    if (placement.judge) {
      const judge = this.provider(placement.judge);
      if (judge !== provider) judge.inUse++;
      forget(judge);
    }
    if (suite.policy) {
      suite.policy.inUse++;
      suite.policy.deferral = null;
    }
    suite.use.inUse++;
    this.operator.inUse++;
    this.operator.deferral = null;
    this.admissions++;
  }

  /**
   * Why no run may start anywhere now: the operator's own cap is reached. Use only grows during a
   * pass, so once reached it holds every run behind it in one queue.
   */
  operatorCapacity(): Deferral | undefined {
    return sharedCapDeferral(this.operator, 'OperatorCapacity');
  }

  /**
   * Where a run may start now, as far as providers go (sharedCapacity is the rest): its own
   * provider, or, while that provider's circuit is open, the first failover provider that can take
   * it; else why it waits. Its judge's provider must be able to take it too: a judge has no
   * failover, so a run whose judge cannot grade waits rather than pay for answers nobody scores.
   */
  placement(target: RunPlacement): Admission | Deferral {
    if (target.judge) {
      const judge = this.provider(target.judge);
      if (judge.asJudge === null) {
        const deferral = this.providerDeferral(judge);
        judge.asJudge = deferral && { ...deferral, message: `judge: ${deferral.message}` };
      }
      if (judge.asJudge) return judge.asJudge;
    }
    const provider = this.provider(target.provider);
    const primary = this.providerDeferral(provider);
    if (!primary) return { type: 'admit', target, provider, model: target.model, why: '' };
    if (primary.reason !== 'CircuitOpen') return primary;
    const known = provider.failover;
    if (known && known.admissions === this.admissions && known.model === target.model) return known.deferral;
    const tried: string[] = [];
    for (const alternative of provider.spec?.failover ?? []) {
      const model = alternative.models[target.model] ?? target.model;
      const fallback = this.provider(alternative.provider);
      const allowed = fallback.spec?.models;
      if (allowed && allowed.length > 0 && !allowed.includes(model)) {
        // The fallback's allow-list binds a failover as it binds its own targets (core/suite/stall.ts, ModelNotAllowed).
        tried.push(`${fallback.name}: model ${model} is not among the models it allows`);
        continue;
      }
      const blocked = this.providerDeferral(fallback);
      if (!blocked) return { type: 'admit', target, provider: fallback, model, why: primary.message };
      tried.push(`${fallback.name}: ${blocked.message}`);
    }
    const deferral = {
      ...primary,
      message: tried.length
        ? `${primary.message}; no failover provider can take it (${tried.join('; ')})`
        : primary.message,
    };
    provider.failover = { admissions: this.admissions, model: target.model, deferral };
    return deferral;
  }

  /** Why no run may start on the provider now (memoized until its use changes), or undefined if one may. */
  private providerDeferral(provider: ProviderState): Deferral | undefined {
    if (provider.deferral === null) provider.deferral = deriveProviderDeferral(provider, this.snapshot.now);
    return provider.deferral;
  }
}

const nameOf = (key: string): string => key.slice(key.indexOf('/') + 1);

function forget(provider: ProviderState): void {
  provider.deferral = null;
  provider.asJudge = null;
}

function deriveProviderDeferral(provider: ProviderState, now: number): Deferral | undefined {
  const { spec: p, name, inUse } = provider;
  if (!p)
    return { type: 'defer', reason: 'ProviderDegraded', message: `ProviderPolicy ${name} does not exist` };
  if (p.degraded)
    return {
      type: 'defer',
      reason: 'ProviderDegraded',
      message: `provider ${name} is degraded: ${p.degraded}`,
    };
  const circuit = p.circuit;
  const open = circuit?.state === 'Open' && (circuit.openUntil === undefined || circuit.openUntil > now);
  if (open) {
    return {
      type: 'defer',
      reason: 'CircuitOpen',
      message: `the circuit of provider ${name} is open${circuit.openUntil ? ` until ${new Date(circuit.openUntil).toISOString()}` : ''}`,
      ...(circuit.openUntil !== undefined ? { retryAt: circuit.openUntil } : {}),
    };
  }
  if (p.budget && p.budget.spent + p.budget.reservePerRun * BigInt(inUse) >= p.budget.limit) {
    return {
      type: 'defer',
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
      type: 'defer',
      reason: 'ProviderCapacity',
      queue: provider,
      capacity: { inUse, limit: cap },
      message: probing
        ? `provider ${name} is half-open: ${inUse} of ${cap} probe run${cap === 1 ? '' : 's'} in flight`
        : `${inUse} of ${cap} runs of provider ${name} in use`,
    };
  }
  return undefined;
}

/** Why a shared cap holds runs back now (memoized until an admission counts against it), or undefined. */
function sharedCapDeferral(state: SharedCap, reason: DeferralReason): Deferral | undefined {
  if (state.deferral === null) {
    const { cap, inUse } = state;
    state.deferral =
      cap !== undefined && inUse >= cap
        ? {
            type: 'defer',
            reason,
            queue: state,
            capacity: { inUse, limit: cap },
            message: `${inUse} of ${cap} runs ${state.what}`,
          }
        : undefined;
  }
  return state.deferral;
}

/**
 * Why the suite's SchedulePolicy, or the suite itself, has no room now (memoized like a
 * provider's): these caps hold wherever its runs go.
 */
export function sharedCapacity({ snapshot, use, policy }: SuiteUse): Deferral | undefined {
  const byPolicy = policy && sharedCapDeferral(policy, 'PolicyCapacity');
  if (byPolicy) return byPolicy;
  const cap = snapshot.maxConcurrentRuns;
  if (cap === undefined) return undefined;
  if (use.deferral) return use.deferral;
  if (use.inUse < cap) return undefined;
  use.deferral = {
    type: 'defer',
    reason: 'SuiteCapacity',
    queue: use,
    capacity: { inUse: use.inUse, limit: cap },
    message: `${use.inUse} of ${cap} runs of this suite in use`,
  };
  return use.deferral;
}

/**
 * The message of the next run to wait in `queue` for `deferral`: its message and the run's place in
 * line, one string per place (Deferral.placed: the exact places, then one per power of ten).
 */
export function queuedMessage(deferral: Deferral, queue: Queue): string {
  const ahead = queue.waiting++;
  const floor = placeFloor(ahead);
  const slot =
    floor === undefined ? ahead : EXACT_QUEUE_PLACES + String(floor / EXACT_QUEUE_PLACES).length - 1;
  const placed = (deferral.placed ??= []);
  return (placed[slot] ??= deferral.message + placeInLine(ahead));
}

/** How a message ends with the place in line of a run that has `ahead` runs before it. */
export function placeInLine(ahead: number): string {
  const floor = placeFloor(ahead);
  if (floor !== undefined) return `; ${floor.toLocaleString('en-US')} or more runs ahead of this one`;
  return ahead === 0 ? '; first in line' : `; ${ahead} run${ahead === 1 ? '' : 's'} ahead of this one`;
}

/** Beyond the exact places: the largest power of ten at most `ahead`; undefined within them. */
function placeFloor(ahead: number): number | undefined {
  if (ahead < EXACT_QUEUE_PLACES) return undefined;
  let floor = EXACT_QUEUE_PLACES;
  while (floor * 10 <= ahead) floor *= 10;
  return floor;
}
