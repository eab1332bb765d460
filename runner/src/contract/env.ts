/**
 * The runner contract's environment (docs/runner-contract.md, Environment): the variables the
 * operator sets in every run's container and bench-runner reads. Defined once, here, for both: the
 * operator's Job renderer imports it, and the image build of the operator copies this folder in.
 */
export const RUNNER_ENV = {
  suite: 'BENCH_SUITE',
  round: 'BENCH_ROUND',
  run: 'BENCH_RUN',
  benchmark: 'BENCH_BENCHMARK',
  target: 'BENCH_TARGET',
  provider: 'BENCH_PROVIDER',
  model: 'BENCH_MODEL',
  endpoint: 'BENCH_ENDPOINT',
  allowPlainHttp: 'BENCH_ALLOW_PLAIN_HTTP',
  parameters: 'BENCH_PARAMETERS',
  apiKey: 'BENCH_API_KEY',
  rateLimitRpm: 'BENCH_RATE_LIMIT_RPM',
  rateLimitTpm: 'BENCH_RATE_LIMIT_TPM',
  shards: 'BENCH_SHARDS',
  // The judge's provider, model and limits, for items scored by another model (the judge scorer):
  // the same meanings as the target's above, of the judge's ProviderPolicy and model.
  judgeProvider: 'BENCH_JUDGE_PROVIDER',
  judgeModel: 'BENCH_JUDGE_MODEL',
  judgeEndpoint: 'BENCH_JUDGE_ENDPOINT',
  judgeAllowPlainHttp: 'BENCH_JUDGE_ALLOW_PLAIN_HTTP',
  judgeParameters: 'BENCH_JUDGE_PARAMETERS',
  judgeApiKey: 'BENCH_JUDGE_API_KEY',
  judgeRateLimitRpm: 'BENCH_JUDGE_RATE_LIMIT_RPM',
  judgeRateLimitTpm: 'BENCH_JUDGE_RATE_LIMIT_TPM',
  /** The suite's rubric for the judge (spec.benchmarks[].judge.rubric), named by --judge-rubric=env:BENCH_JUDGE_RUBRIC. */
  judgeRubric: 'BENCH_JUDGE_RUBRIC',
  /** The run's folder in the artifact store, s3://<bucket>/<prefix>/<namespace>/<suite>/<round>/<run>/. */
  artifactsUrl: 'BENCH_ARTIFACTS_URL',
  artifactsS3Endpoint: 'BENCH_ARTIFACTS_S3_ENDPOINT',
  artifactsS3Region: 'BENCH_ARTIFACTS_S3_REGION',
  // The artifact store's credentials, under the AWS SDK's standard names (it reads them itself).
  artifactsAccessKeyId: 'AWS_ACCESS_KEY_ID',
  artifactsSecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  /** off, attempts (the default) or rounds: whether a run keeps and reuses its answered items. */
  resume: 'BENCH_RESUME',
  /** The run's checkpoint folder in the artifact store (its client settings and credentials), s3://<bucket>/<folder>/. */
  checkpointUrl: 'BENCH_CHECKPOINT_URL',
  /** The run's checkpoint directory (a PVC mount), instead of BENCH_CHECKPOINT_URL. */
  checkpointDir: 'BENCH_CHECKPOINT_DIR',
} as const;

/** The variables of a provider, its model and its limits: the target's, or the judge's. */
export type ProviderVariables = Record<
  | 'provider'
  | 'model'
  | 'endpoint'
  | 'allowPlainHttp'
  | 'parameters'
  | 'apiKey'
  | 'rateLimitRpm'
  | 'rateLimitTpm',
  string
>;

export const TARGET_VARIABLES: ProviderVariables = {
  provider: RUNNER_ENV.provider,
  model: RUNNER_ENV.model,
  endpoint: RUNNER_ENV.endpoint,
  allowPlainHttp: RUNNER_ENV.allowPlainHttp,
  parameters: RUNNER_ENV.parameters,
  apiKey: RUNNER_ENV.apiKey,
  rateLimitRpm: RUNNER_ENV.rateLimitRpm,
  rateLimitTpm: RUNNER_ENV.rateLimitTpm,
};

export const JUDGE_VARIABLES: ProviderVariables = {
  provider: RUNNER_ENV.judgeProvider,
  model: RUNNER_ENV.judgeModel,
  endpoint: RUNNER_ENV.judgeEndpoint,
  allowPlainHttp: RUNNER_ENV.judgeAllowPlainHttp,
  parameters: RUNNER_ENV.judgeParameters,
  apiKey: RUNNER_ENV.judgeApiKey,
  rateLimitRpm: RUNNER_ENV.judgeRateLimitRpm,
  rateLimitTpm: RUNNER_ENV.judgeRateLimitTpm,
};
