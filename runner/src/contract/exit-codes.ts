/**
 * The runner contract's exit codes (docs/runner-contract.md, Exit codes): bench-runner ends with
 * them, and the operator classifies a failed run by them (which are retried, which are for good).
 */
export const EXIT = {
  success: 0,
  runFailure: 1,
  configError: 2,
  providerUnavailable: 10,
  providerRateLimited: 11,
  credentialsRejected: 12,
  /** The judge's provider (LLM-as-judge) failed as 10, 11 and 12 say for the target's. */
  judgeUnavailable: 20,
  judgeRateLimited: 21,
  judgeCredentialsRejected: 22,
  /** 128 + SIGTERM, as a shell reports a process ended by it. */
  interrupted: 143,
} as const;
