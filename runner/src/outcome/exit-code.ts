/**
 * The run's exit code from what happened to its items (docs/runner-contract.md, "How item failures
 * become the exit code"). Pure, so the rule is tested on its own.
 *
 * - Rejected credentials end the run at once: 12 (22 when the judge's provider rejected them).
 * - A run interrupted by SIGTERM ends with 143 (128 + 15), whatever it had scored: a partial result.
 * - Up to `maxFailedFraction` of the items may fail after their retries and the run still succeeds
 *   (0): its score is over the items answered, and the failures are counted in its metrics.
 * - Beyond that the run fails with the kind most of its failures had: provider unavailable 10,
 *   rate-limited 11, the judge's provider unavailable 20 or rate-limited 21, a request the provider
 *   rejected as invalid 2, anything else 1. Ties go in that order. The run stops as soon as it is
 *   over the limit: more items cannot bring it back.
 *
 * The judge's provider failures are told apart from the target's so that the operator charges each
 * provider's circuit breaker with its own failures only; a judge's invalid request or unexpected
 * error is the run's, as the target's are.
 */
import { ProviderError } from '../providers/types.ts';
import type { FailureKind } from '../evaluate/item-result.ts';
import { EXIT } from '../contract/exit-codes.ts';
import { JudgeFailure } from '../judge/judgement.ts';

/** How a failed item counts: its failure kind, the judge's provider failures apart. */
export type TallyKind = FailureKind | 'judge_unavailable' | 'judge_rate_limited' | 'judge_auth';

export type FailureTally = Record<TallyKind, number>;

export const noFailures = (): FailureTally => ({
  unavailable: 0,
  rate_limited: 0,
  auth: 0,
  judge_unavailable: 0,
  judge_rate_limited: 0,
  judge_auth: 0,
  invalid_request: 0,
  other: 0,
});

const CODE_OF_KIND: Record<TallyKind, number> = {
  auth: EXIT.credentialsRejected,
  unavailable: EXIT.providerUnavailable,
  rate_limited: EXIT.providerRateLimited,
  judge_auth: EXIT.judgeCredentialsRejected,
  judge_unavailable: EXIT.judgeUnavailable,
  judge_rate_limited: EXIT.judgeRateLimited,
  invalid_request: EXIT.configError,
  other: EXIT.runFailure,
};

/** Majority kind among failures; ties go to the earlier kind here. */
const TIE_ORDER: readonly TallyKind[] = [
  'unavailable',
  'rate_limited',
  'judge_unavailable',
  'judge_rate_limited',
  'invalid_request',
  'other',
];

const WHAT: Record<TallyKind, string> = {
  auth: 'the provider rejected the credentials',
  unavailable: 'the provider was unavailable',
  rate_limited: 'the provider kept rate-limiting',
  judge_auth: "the judge's provider rejected the credentials",
  judge_unavailable: "the judge's provider was unavailable",
  judge_rate_limited: "the judge's provider kept rate-limiting",
  invalid_request: 'the provider rejected the requests as invalid',
  other: 'of unexpected errors',
};

const JUDGE_KIND: Partial<Record<FailureKind, TallyKind>> = {
  auth: 'judge_auth',
  unavailable: 'judge_unavailable',
  rate_limited: 'judge_rate_limited',
};

/** How an item's failure counts: the judge's provider failures apart from the target's. */
export function tallyKind(error: { kind: FailureKind; judge?: boolean }): TallyKind {
  return (error.judge && JUDGE_KIND[error.kind]) || error.kind;
}

/** The exit code of a provider failure outside the items (e.g. no key where one is needed). */
export function exitCodeOfProviderError(error: ProviderError): number {
  return CODE_OF_KIND[tallyKind({ kind: error.kind, judge: error instanceof JudgeFailure })];
}

export const totalFailures = (tally: FailureTally): number =>
  Object.values(tally).reduce((sum, n) => sum + n, 0);

export const allowedFailures = (items: number, maxFailedFraction: number): number =>
  Math.floor(items * maxFailedFraction + 1e-9);

/** Whether the run can no longer succeed, so it should send no more requests. */
export function failureLimitReached(tally: FailureTally, items: number, maxFailedFraction: number): boolean {
  return (
    tally.auth > 0 || tally.judge_auth > 0 || totalFailures(tally) > allowedFailures(items, maxFailedFraction)
  );
}

export interface OutcomeInput {
  /** The items of this shard. */
  items: number;
  failures: FailureTally;
  interrupted: boolean;
  maxFailedFraction: number;
}

export interface RunOutcome {
  code: number;
  /** Why, in words; absent on success. */
  reason?: string;
}

export function runOutcome(input: OutcomeInput): RunOutcome {
  const { failures, items } = input;
  const failed = totalFailures(failures);
  if (failures.auth > 0) return { code: EXIT.credentialsRejected, reason: WHAT.auth };
  if (failures.judge_auth > 0) return { code: EXIT.judgeCredentialsRejected, reason: WHAT.judge_auth };
  if (input.interrupted)
    return { code: EXIT.interrupted, reason: 'interrupted by SIGTERM: the result is partial' };
  if (failed <= allowedFailures(items, input.maxFailedFraction)) return { code: EXIT.success };
  const kind = TIE_ORDER.reduce((most, k) => (failures[k] > failures[most] ? k : most));
  return {
    code: CODE_OF_KIND[kind],
    reason: `${failed} of ${items} items failed after retries (at most ${allowedFailures(items, input.maxFailedFraction)} may), most because ${WHAT[kind]}`,
  };
}
