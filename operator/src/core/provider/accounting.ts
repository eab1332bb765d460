import type { ProviderPolicy } from '../../api/v1alpha1/index.ts';
import { metaTime } from '../../meta/conditions.ts';
import { parseDuration } from '../../meta/duration.ts';
import { average, capAmount, formatMoney, parseMoney } from './money.ts';
import { pricesOf, usageCost } from './prices.ts';

type Spec = ProviderPolicy['spec'];
type Status = NonNullable<ProviderPolicy['status']>;
export type Circuit = NonNullable<Status['circuit']>;
export type Spend = NonNullable<Status['spend']>;

/** How a finished run counts for its provider (docs/runner-contract.md's exit codes). */
export type Outcome = 'success' | 'providerFailure' | 'credentialsRejected' | 'other';

export interface FinishedRun {
  job: string;
  completionTime: string;
  outcome: Outcome;
  usage?: { inputTokens?: number; outputTokens?: number } | undefined;
  /** The provider's part in the outcome was as the run's judge (LLM-as-judge). */
  asJudge?: true;
}

export interface ProviderEvent {
  reason: 'CircuitOpened' | 'CircuitHalfOpen' | 'CircuitClosed' | 'BudgetExhausted' | 'CredentialsRejected';
  type: 'Normal' | 'Warning';
  message: string;
  /**
   * When it happened (ms), from the runs' completion times, never the clock: accounting the same
   * runs again (after a lost status write) yields the same event, so its record keeps its id.
   */
  at: number;
  /** The run's Job that caused it, where one did. */
  job?: string;
}

export interface Accounting {
  circuit: Circuit;
  spend?: Spend;
  accountedThrough?: Status['accountedThrough'];
  /** A run whose credentials the provider rejected was counted in this pass. */
  credentialsRejected?: FinishedRun;
  events: ProviderEvent[];
}

export const CIRCUIT_DEFAULTS = { failureThreshold: 5, cooldown: '5m', halfOpenMaxRuns: 1 } as const;

/** Start of the budget period containing `now`, in UTC: midnight, Monday midnight, or the 1st. */
export function periodStart(period: 'Day' | 'Week' | 'Month', now: number): number {
  const d = new Date(now);
  if (period === 'Month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === 'Day') return midnight;
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return midnight - sinceMonday * 86_400_000;
}

/** The period as messages say it: a daily, weekly or monthly budget. */
export function periodAdjective(period: 'Day' | 'Week' | 'Month'): string {
  return { Day: 'daily', Week: 'weekly', Month: 'monthly' }[period];
}

/** The next period's start: when an exhausted budget opens again. */
export function nextPeriodStart(period: 'Day' | 'Week' | 'Month', now: number): number {
  const start = new Date(periodStart(period, now));
  if (period === 'Month') return Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  return start.getTime() + (period === 'Day' ? 1 : 7) * 86_400_000;
}

type Watermark = NonNullable<Status['accountedThrough']>;

/** The most the CRD's int32 counts (spend.runs, circuit.consecutiveFailures) hold. */
const INT32_MAX = 2 ** 31 - 1;

/** status.accountedThrough.jobs' maxItems in the CRD. */
const MAX_WATERMARK_JOBS = 1000;

/** Whether the run finished after the watermark: the accounting has not counted it yet. */
export const afterWatermark = (
  run: Pick<FinishedRun, 'job' | 'completionTime'>,
  mark: Status['accountedThrough'],
): boolean => {
  if (!mark?.completionTime) return true;
  const t = Date.parse(run.completionTime);
  const m = Date.parse(mark.completionTime);
  if (t !== m) return t > m;
  // A watermark written before `jobs` existed orders the runs of its second by Job name only.
  return mark.jobs ? !mark.jobs.includes(run.job) : run.job > (mark.job ?? '');
};

/** The watermark once `run` is counted: the runs counted in its second, itself included. */
function advance(mark: Status['accountedThrough'], run: FinishedRun): Watermark {
  const sameSecond =
    mark?.completionTime !== undefined && Date.parse(mark.completionTime) === Date.parse(run.completionTime);
  const earlier = sameSecond ? (mark.jobs ?? (mark.job ? [mark.job] : [])) : [];
  return {
    completionTime: run.completionTime,
    job: run.job,
    jobs: [...earlier, run.job].slice(-MAX_WATERMARK_JOBS),
  };
}

/**
 * Folds the runs that finished since the last accounting into the provider's circuit breaker and
 * spend, in completion order, exactly once each: the watermark `accountedThrough` (the completion
 * time of the last run counted, and every Job counted in that second, since completion times have a
 * one-second resolution) is stored in status, so a restarted operator neither loses nor
 * double-counts a run, even when runs of the same second reach the cache out of order. Only a run
 * that reaches the cache after a run of a later second was counted is not: the Job controller
 * records completions in order, so that takes a cache lagging behind by more than a second.
 *
 * Circuit: `failureThreshold` consecutive provider failures (exit 10, 11, run timeouts) open it
 * for `cooldown`; then it is half-open; a probe's success closes it, a probe's provider failure
 * opens it again. Other failures neither count nor reset.
 */
export function account(
  spec: Spec,
  status: Status | undefined,
  finished: FinishedRun[],
  now: number,
): Accounting {
  const breaker = { ...CIRCUIT_DEFAULTS, ...spec.circuitBreaker };
  const cooldownMs = parseDuration(breaker.cooldown);
  const events: ProviderEvent[] = [];
  let circuit: Circuit = { state: 'Closed', consecutiveFailures: 0, ...status?.circuit };
  const transition = (
    state: Circuit['state'],
    at: number,
    reason: ProviderEvent['reason'],
    message: string,
    job?: string,
  ) => {
    circuit = { ...circuit, state, lastTransitionTime: metaTime(new Date(at)) };
    if (state === 'Open') circuit.openUntil = metaTime(new Date(at + cooldownMs));
    else delete circuit.openUntil;
    events.push({
      reason,
      type: state === 'Open' ? 'Warning' : 'Normal',
      message,
      at: Date.parse(circuit.lastTransitionTime!),
      ...(job ? { job } : {}),
    });
  };
  const halfOpenIfDue = (at: number) => {
    if (circuit.state === 'Open' && circuit.openUntil && at >= Date.parse(circuit.openUntil)) {
      transition(
        'HalfOpen',
        Date.parse(circuit.openUntil),
        'CircuitHalfOpen',
        `cooldown of ${breaker.cooldown} over: up to ${breaker.halfOpenMaxRuns} probe run(s) may start`,
      );
    }
  };

  const prices = spec.budget ? pricesOf(spec.cost) : undefined;
  const period = spec.budget?.period ?? 'Month';
  const start = spec.budget ? periodStart(period, now) : undefined;
  let spend: Spend | undefined;
  if (spec.budget && spec.cost && start !== undefined) {
    const current = status?.spend?.periodStart && Date.parse(status.spend.periodStart) === start;
    spend = current
      ? { ...status.spend!, currency: spec.cost.currency }
      : { periodStart: metaTime(new Date(start)), amount: '0', currency: spec.cost.currency, runs: 0 };
  }
  const limit = spec.budget ? parseMoney(spec.budget.limit) : undefined;
  let spent = spend ? parseMoney(spend.amount ?? '0') : 0n;
  const wasExhausted = limit !== undefined && spent >= limit;

  let accountedThrough = status?.accountedThrough;
  let credentialsRejected: FinishedRun | undefined;
  let exhaustedBy: FinishedRun | undefined;
  const fresh = finished
    .filter((run) => afterWatermark(run, status?.accountedThrough))
    .sort((a, b) => Date.parse(a.completionTime) - Date.parse(b.completionTime) || (a.job < b.job ? -1 : 1));
  for (const run of fresh) {
    const at = Date.parse(run.completionTime);
    halfOpenIfDue(at);
    if (run.outcome === 'success') {
      circuit.consecutiveFailures = 0;
      if (circuit.state === 'HalfOpen')
        transition(
          'Closed',
          at,
          'CircuitClosed',
          `probe run ${run.job} succeeded: the provider is back`,
          run.job,
        );
    } else if (run.outcome === 'providerFailure') {
      circuit.consecutiveFailures = Math.min(INT32_MAX, (circuit.consecutiveFailures ?? 0) + 1);
      if (circuit.state === 'HalfOpen') {
        transition(
          'Open',
          at,
          'CircuitOpened',
          `probe run ${run.job} failed: circuit open again for ${breaker.cooldown}`,
          run.job,
        );
      } else if (circuit.state === 'Closed' && circuit.consecutiveFailures >= breaker.failureThreshold) {
        transition(
          'Open',
          at,
          'CircuitOpened',
          `${circuit.consecutiveFailures} consecutive provider failures (threshold ${breaker.failureThreshold}), the last in ${run.job}: no run starts on this provider for ${breaker.cooldown}`,
          run.job,
        );
      }
    } else if (run.outcome === 'credentialsRejected') {
      credentialsRejected = run;
    }
    if (spend && prices && start !== undefined && at >= start && run.usage) {
      // Capped so that status.spend.amount always fits the CRD's pattern (money.ts, MAX_AMOUNT).
      spent = capAmount(spent + usageCost(run.usage, prices));
      spend.runs = Math.min(INT32_MAX, (spend.runs ?? 0) + 1);
      if (limit !== undefined && !exhaustedBy && spent >= limit) exhaustedBy = run;
    }
    accountedThrough = advance(accountedThrough, run);
  }
  halfOpenIfDue(now);
  if (spend) spend.amount = formatMoney(spent);
  if (limit !== undefined && !wasExhausted && spent >= limit) {
    events.push({
      reason: 'BudgetExhausted',
      type: 'Warning',
      message: `spent ${spend!.amount} ${spend!.currency} of the ${spec.budget!.limit} ${spend!.currency} ${periodAdjective(period)} budget: no run starts on this provider until the next period`,
      at: exhaustedBy ? Date.parse(exhaustedBy.completionTime) : start!,
      ...(exhaustedBy ? { job: exhaustedBy.job } : {}),
    });
  }
  if (credentialsRejected) {
    events.push({
      reason: 'CredentialsRejected',
      type: 'Warning',
      message: `run ${credentialsRejected.job} exited ${credentialsRejected.asJudge ? "22: the provider rejected the judge's" : '12: the provider rejected the'} credentials; no run starts on this provider until its spec or credentials reference changes`,
      at: Date.parse(credentialsRejected.completionTime),
      job: credentialsRejected.job,
    });
  }
  return {
    circuit,
    ...(spend ? { spend } : {}),
    ...(accountedThrough ? { accountedThrough } : {}),
    ...(credentialsRejected ? { credentialsRejected } : {}),
    events,
  };
}

/** What one run in flight is expected to cost: the period's average so far. */
export function reservePerRun(spend: Spend | undefined): bigint {
  return spend ? average(parseMoney(spend.amount ?? '0'), spend.runs ?? 0) : 0n;
}
