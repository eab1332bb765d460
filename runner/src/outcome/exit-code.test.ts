import { describe, expect, it } from 'vitest';
import {
  exitCodeOfProviderError,
  failureLimitReached,
  noFailures,
  runOutcome,
  tallyKind,
  type FailureTally,
} from './exit-code.ts';
import { EXIT } from '../contract/exit-codes.ts';
import { JudgeFailure } from '../judge/judgement.ts';
import { ProviderError } from '../providers/types.ts';

const tally = (counts: Partial<FailureTally>): FailureTally => ({ ...noFailures(), ...counts });
const outcome = (failures: Partial<FailureTally>, items = 100, interrupted = false) =>
  runOutcome({ items, failures: tally(failures), interrupted, maxFailedFraction: 0.05 });

describe('runOutcome', () => {
  it('succeeds with no failures, or as many as --max-failed-fraction allows', () => {
    expect(outcome({})).toEqual({ code: 0 });
    expect(outcome({ unavailable: 3, rate_limited: 2 })).toEqual({ code: 0 });
    expect(outcome({}, 0)).toEqual({ code: 0 });
  });

  it('beyond the limit, fails with the kind most failures had, ties in the order 10, 11, 2, 1', () => {
    expect(outcome({ unavailable: 6 })).toMatchObject({
      code: EXIT.providerUnavailable,
      reason:
        '6 of 100 items failed after retries (at most 5 may), most because the provider was unavailable',
    });
    expect(outcome({ unavailable: 2, rate_limited: 4 }).code).toBe(EXIT.providerRateLimited);
    expect(outcome({ rate_limited: 3, unavailable: 3 }).code).toBe(EXIT.providerUnavailable);
    expect(outcome({ invalid_request: 6 }).code).toBe(EXIT.configError);
    expect(outcome({ other: 4, invalid_request: 2 }).code).toBe(EXIT.runFailure);
    expect(outcome({ other: 3, invalid_request: 3 }).code).toBe(EXIT.configError);
    // Ten items at 5%: not one may fail.
    expect(outcome({ rate_limited: 1 }, 10).code).toBe(EXIT.providerRateLimited);
  });

  it('rejected credentials are 12, before anything else; an interrupted run is 143', () => {
    expect(outcome({ auth: 1 })).toEqual({ code: 12, reason: 'the provider rejected the credentials' });
    expect(outcome({ auth: 1 }, 100, true).code).toBe(12);
    expect(outcome({}, 100, true)).toEqual({
      code: 143,
      reason: 'interrupted by SIGTERM: the result is partial',
    });
    expect(outcome({ unavailable: 50 }, 100, true).code).toBe(143);
  });
});

describe("the judge's provider failures, apart from the target's", () => {
  const noUsage = { inputTokens: 0, outputTokens: 0 };

  it("count as the judge's kinds, except a request rejected as invalid and unexpected errors", () => {
    expect(tallyKind({ kind: 'unavailable', judge: true })).toBe('judge_unavailable');
    expect(tallyKind({ kind: 'rate_limited', judge: true })).toBe('judge_rate_limited');
    expect(tallyKind({ kind: 'auth', judge: true })).toBe('judge_auth');
    expect(tallyKind({ kind: 'invalid_request', judge: true })).toBe('invalid_request');
    expect(tallyKind({ kind: 'other', judge: true })).toBe('other');
    expect(tallyKind({ kind: 'unavailable' })).toBe('unavailable');
  });

  it('end the run with 20, 21 and 22, so the operator charges the judge provider, not the target', () => {
    expect(outcome({ judge_unavailable: 6 })).toEqual({
      code: EXIT.judgeUnavailable,
      reason:
        "6 of 100 items failed after retries (at most 5 may), most because the judge's provider was unavailable",
    });
    expect(outcome({ judge_rate_limited: 4, unavailable: 2 }).code).toBe(EXIT.judgeRateLimited);
    // Ties go to the target's kinds.
    expect(outcome({ judge_unavailable: 3, unavailable: 3 }).code).toBe(EXIT.providerUnavailable);
    expect(outcome({ judge_auth: 1 })).toEqual({
      code: EXIT.judgeCredentialsRejected,
      reason: "the judge's provider rejected the credentials",
    });
    expect(outcome({ judge_auth: 1, auth: 1 }).code).toBe(EXIT.credentialsRejected);
    expect(failureLimitReached(tally({ judge_auth: 1 }), 1000, 0.5)).toBe(true);
  });

  it('outside the items too', () => {
    const rejected = new ProviderError('auth', '401');
    expect(exitCodeOfProviderError(rejected)).toBe(EXIT.credentialsRejected);
    expect(exitCodeOfProviderError(new JudgeFailure(rejected, noUsage, noUsage))).toBe(
      EXIT.judgeCredentialsRejected,
    );
  });
});

describe('failureLimitReached', () => {
  it('is reached by the first rejected credentials, or one failure more than allowed', () => {
    expect(failureLimitReached(tally({ auth: 1 }), 1000, 0.5)).toBe(true);
    expect(failureLimitReached(tally({ unavailable: 5 }), 100, 0.05)).toBe(false);
    expect(failureLimitReached(tally({ unavailable: 5, other: 1 }), 100, 0.05)).toBe(true);
    // 0.07 × 100 is 7.000000000000001 in floating point; 7 may fail.
    expect(failureLimitReached(tally({ unavailable: 7 }), 100, 0.07)).toBe(false);
    expect(failureLimitReached(tally({ unavailable: 1 }), 3, 0)).toBe(true);
  });
});
