import { describe, expect, it } from 'vitest';
import { parseArguments, withTargetParameters, type BenchmarkOptions } from './args.ts';
import { readEnvironment } from './env.ts';
import { ConfigError } from './errors.ts';

const contract = {
  BENCH_SUITE: 'nightly',
  BENCH_RUN: 'mmlu-gpt',
  BENCH_PROVIDER: 'azure-openai',
  BENCH_MODEL: 'gpt-4o',
  BENCH_ENDPOINT: 'https://r.openai.azure.com',
  BENCH_PARAMETERS: '{"api-version":"2024-10-21","temperature":"0.2"}',
  BENCH_API_KEY: 'sk-contract-key',
  BENCH_RATE_LIMIT_RPM: '125',
  BENCH_SHARDS: '2',
  JOB_COMPLETION_INDEX: '1',
};

describe('readEnvironment', () => {
  it('reads the runner contract', () => {
    expect(readEnvironment(contract)).toEqual({
      run: 'nightly/mmlu-gpt',
      provider: {
        type: 'azure-openai',
        endpoint: 'https://r.openai.azure.com',
        apiKey: 'sk-contract-key',
        parameters: { 'api-version': '2024-10-21', temperature: '0.2' },
      },
      model: 'gpt-4o',
      requestsPerMinute: 125,
      tokensPerMinute: undefined,
      shard: { index: 1, count: 2 },
      terminationMessagePath: '/dev/termination-log',
      identity: { suite: 'nightly', run: 'mmlu-gpt' },
      artifacts: undefined,
      checkpoint: undefined,
    });
    const local = readEnvironment({ BENCH_PROVIDER: 'openai', BENCH_MODEL: 'm', TERMINATION_MESSAGE_PATH: '/tmp/t' });
    expect(local).toMatchObject({ shard: { index: 0, count: 1 }, terminationMessagePath: '/tmp/t' });
  });

  it.each([
    [{ BENCH_PROVIDER: undefined }, 'BENCH_PROVIDER is not set'],
    [{ BENCH_MODEL: '' }, 'BENCH_MODEL is not set'],
    [{ BENCH_PROVIDER: 'bard' }, 'BENCH_PROVIDER "bard" is not a provider type bench-runner knows'],
    [{ BENCH_PARAMETERS: '{"a": 1}' }, 'BENCH_PARAMETERS must be a JSON object of strings: parameter "a" is not a string'],
    [{ BENCH_PARAMETERS: '[]' }, 'BENCH_PARAMETERS must be a JSON object of strings: it is not an object'],
    [{ BENCH_PARAMETERS: '{' }, 'BENCH_PARAMETERS is not JSON'],
    [{ BENCH_RATE_LIMIT_TPM: '1.5' }, 'BENCH_RATE_LIMIT_TPM must be a whole number from 1, not "1.5"'],
    [{ JOB_COMPLETION_INDEX: '2' }, 'JOB_COMPLETION_INDEX must be a whole number from 0 to 1 (BENCH_SHARDS 2), not "2"'],
    [{ JOB_COMPLETION_INDEX: undefined }, 'BENCH_SHARDS is 2 but JOB_COMPLETION_INDEX is not set'],
  ])('refuses %j', (change, message) => {
    expect(() => readEnvironment({ ...contract, ...change })).toThrow(ConfigError);
    expect(() => readEnvironment({ ...contract, ...change })).toThrow(message);
  });

  it('refuses to send a key over plain http unless BENCH_ALLOW_PLAIN_HTTP=true', () => {
    const gateway = { ...contract, BENCH_PROVIDER: 'openai-compatible', BENCH_ENDPOINT: 'http://gw:8080/v1' };
    expect(() => readEnvironment(gateway)).toThrow(ConfigError);
    expect(() => readEnvironment(gateway)).toThrow(
      'BENCH_ENDPOINT http://gw:8080 is plain http and BENCH_API_KEY is set: bench-runner does not send an API key unencrypted unless BENCH_ALLOW_PLAIN_HTTP=true',
    );
    expect(() => readEnvironment({ ...gateway, BENCH_ALLOW_PLAIN_HTTP: 'false' })).toThrow(ConfigError);
    expect(() => readEnvironment({ ...gateway, BENCH_ENDPOINT: 'HTTP://gw:8080/v1' })).toThrow(ConfigError);
    expect(readEnvironment({ ...gateway, BENCH_ALLOW_PLAIN_HTTP: 'true' }).provider).toMatchObject({
      endpoint: 'http://gw:8080/v1',
      apiKey: 'sk-contract-key',
    });
    // A local model without auth, and https with a key, need no permission.
    expect(readEnvironment({ ...gateway, BENCH_API_KEY: '' }).provider.apiKey).toBeUndefined();
    expect(readEnvironment({ ...gateway, BENCH_ENDPOINT: 'https://gw:8443/v1' }).provider.endpoint).toBe(
      'https://gw:8443/v1',
    );
    expect(() => readEnvironment({ ...gateway, BENCH_ALLOW_PLAIN_HTTP: 'yes' })).toThrow(
      'BENCH_ALLOW_PLAIN_HTTP must be true or false, not "yes"',
    );
  });

  it('quotes only the origin of a plain http endpoint it refuses, never its path, user info or the key', () => {
    const key = 'sk-do-not-print';
    const env = {
      ...contract,
      BENCH_PROVIDER: 'openai-compatible',
      BENCH_ENDPOINT: `http://user:secret@gw:8080/v1?token=${key}`,
      BENCH_API_KEY: key,
    };
    expect(() => readEnvironment(env)).toThrow(/^BENCH_ENDPOINT http:\/\/gw:8080 is plain http/);
    expect(() => readEnvironment(env)).not.toThrow(/secret|token/);
  });

  it('never puts the API key in an error', () => {
    const key = 'sk-do-not-print';
    for (const env of [{ BENCH_PARAMETERS: key }, { BENCH_RATE_LIMIT_RPM: key }, { BENCH_PROVIDER: 'x' }]) {
      expect(() => readEnvironment({ ...contract, BENCH_API_KEY: key, ...env })).toThrow(ConfigError);
      try {
        readEnvironment({ ...contract, BENCH_API_KEY: key, ...env });
      } catch (error) {
        expect((error as Error).message).not.toContain(key);
      }
    }
  });
});

describe('readEnvironment: artifacts', () => {
  const artifacts = {
    ...contract,
    BENCH_ARTIFACTS_URL: 's3://bench-artifacts/team-a/evals/nightly/3/mmlu-gpt/',
    BENCH_ARTIFACTS_S3_ENDPOINT: 'http://store.internal:7070',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  };

  it('reads the store, the run folder and whether credentials were given', () => {
    expect(readEnvironment(artifacts).artifacts).toEqual({
      url: 's3://bench-artifacts/team-a/evals/nightly/3/mmlu-gpt/',
      bucket: 'bench-artifacts',
      prefix: 'team-a/evals/nightly/3/mmlu-gpt/',
      endpoint: 'http://store.internal:7070',
      region: 'us-east-1',
      hasCredentials: true,
    });
    const aws = readEnvironment({
      ...artifacts,
      BENCH_ARTIFACTS_S3_ENDPOINT: '',
      BENCH_ARTIFACTS_S3_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: undefined,
    }).artifacts;
    expect(aws).toMatchObject({ endpoint: undefined, region: 'eu-west-1', hasCredentials: false });
  });

  it('takes the region from AWS_REGION when the contract names none', () => {
    expect(readEnvironment({ ...artifacts, AWS_REGION: 'ap-south-1' }).artifacts?.region).toBe('ap-south-1');
  });

  it.each([
    [{ BENCH_ARTIFACTS_URL: 'https://bucket/x/' }, /BENCH_ARTIFACTS_URL must be s3:\/\/<bucket>\/<folder>\//],
    [{ BENCH_ARTIFACTS_URL: 's3://B/x/' }, /BENCH_ARTIFACTS_URL must be s3:/],
    [{ BENCH_ARTIFACTS_S3_ENDPOINT: 'store:7070' }, /BENCH_ARTIFACTS_S3_ENDPOINT must be an http\(s\) URL/],
  ])('refuses %o', (env, message) => {
    expect(() => readEnvironment({ ...artifacts, ...env })).toThrow(message);
  });
});

describe('readEnvironment: checkpoint', () => {
  const artifacts = {
    ...contract,
    BENCH_ARTIFACTS_URL: 's3://bench-artifacts/team-a/evals/nightly/3/mmlu-gpt/',
    BENCH_ARTIFACTS_S3_ENDPOINT: 'http://store.internal:7070',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  };

  it("keeps the checkpoint in the run's artifacts folder by default, one folder a shard", () => {
    expect(readEnvironment(artifacts).checkpoint).toEqual({
      kind: 's3',
      destination: {
        url: 's3://bench-artifacts/team-a/evals/nightly/3/mmlu-gpt/checkpoint/shard-1/',
        bucket: 'bench-artifacts',
        prefix: 'team-a/evals/nightly/3/mmlu-gpt/checkpoint/shard-1/',
        endpoint: 'http://store.internal:7070',
        region: 'us-east-1',
        hasCredentials: true,
      },
    });
  });

  it('keeps it in BENCH_CHECKPOINT_URL, with the store settings of the artifacts', () => {
    const env = { ...artifacts, BENCH_RESUME: 'rounds', BENCH_CHECKPOINT_URL: 's3://bench-artifacts/resume/mmlu-gpt' };
    expect(readEnvironment(env).checkpoint).toMatchObject({
      kind: 's3',
      destination: { bucket: 'bench-artifacts', prefix: 'resume/mmlu-gpt/shard-1/', endpoint: 'http://store.internal:7070' },
    });
  });

  it('keeps it in BENCH_CHECKPOINT_DIR, one directory a shard', () => {
    expect(readEnvironment({ ...contract, BENCH_CHECKPOINT_DIR: '/checkpoint' }).checkpoint).toEqual({
      kind: 'directory',
      path: '/checkpoint/shard-1',
    });
  });

  it('keeps none when BENCH_RESUME=off or no location is known', () => {
    expect(readEnvironment({ ...artifacts, BENCH_RESUME: 'off' }).checkpoint).toBeUndefined();
    expect(readEnvironment({ ...contract, BENCH_RESUME: 'off', BENCH_CHECKPOINT_DIR: '/c' }).checkpoint).toBeUndefined();
    expect(readEnvironment(contract).checkpoint).toBeUndefined();
  });

  it.each([
    [{ BENCH_RESUME: 'always' }, 'BENCH_RESUME must be off, attempts, rounds or empty, not "always"'],
    [{ BENCH_CHECKPOINT_URL: 's3://b/x/', BENCH_CHECKPOINT_DIR: '/c' }, 'BENCH_CHECKPOINT_URL and BENCH_CHECKPOINT_DIR are both set'],
    [{ BENCH_CHECKPOINT_URL: '/c' }, 'BENCH_CHECKPOINT_URL must be s3://<bucket>/<folder>/'],
  ])('refuses %j', (change, message) => {
    expect(() => readEnvironment({ ...artifacts, ...change })).toThrow(ConfigError);
    expect(() => readEnvironment({ ...artifacts, ...change })).toThrow(message);
  });
});

describe('parseArguments', () => {
  const parse = (...argv: string[]) => parseArguments(argv, () => {}) as BenchmarkOptions;

  it('has defaults for all but the dataset', () => {
    expect(parse('--dataset', 'env:ITEMS')).toEqual({
      dataset: 'env:ITEMS',
      mode: 'accuracy',
      scorer: undefined,
      maxItems: undefined,
      concurrency: 4,
      maxOutputTokens: undefined,
      temperature: undefined,
      topP: undefined,
      requestTimeoutMs: 120_000,
      maxAttempts: 4,
      maxFailedFraction: 0.05,
      drainTimeoutMs: 5_000,
      resultsFile: undefined,
      progressIntervalMs: 10_000,
      judge: { rubric: undefined, scale: 'pass-fail', pass: 1, calibration: false },
    });
  });

  it('reads every option, = form included', () => {
    expect(
      parse(
        '--dataset=https://x/d.jsonl',
        '--mode=latency',
        '--scorer=numeric',
        '--max-items=50',
        '--concurrency=16',
        '--max-output-tokens=256',
        '--temperature=0.7',
        '--top-p=0.9',
        '--request-timeout=2.5',
        '--max-attempts=1',
        '--max-failed-fraction=0',
        '--drain-timeout=0',
        '--results-file=/tmp/r.jsonl',
        '--progress-interval=1',
        '--judge-rubric=env:RUBRIC',
        '--judge-scale=1-5',
        '--judge-pass=3',
        '--judge-calibration',
      ),
    ).toEqual({
      dataset: 'https://x/d.jsonl',
      mode: 'latency',
      scorer: 'numeric',
      maxItems: 50,
      concurrency: 16,
      maxOutputTokens: 256,
      temperature: 0.7,
      topP: 0.9,
      requestTimeoutMs: 2_500,
      maxAttempts: 1,
      maxFailedFraction: 0,
      drainTimeoutMs: 0,
      resultsFile: '/tmp/r.jsonl',
      progressIntervalMs: 1_000,
      judge: { rubric: 'env:RUBRIC', scale: '1-5', pass: 3, calibration: true },
    });
  });

  it.each([
    [[], "required option '--dataset <source>' not specified"],
    [['--dataset', 'x', '--mode', 'speed'], "option '--mode <mode>' argument 'speed' is invalid"],
    [['--dataset', 'x', '--concurrency', '0'], 'must be a whole number from 1'],
    [['--dataset', 'x', '--temperature', '3'], 'must be a number from 0 to 2'],
    [['--dataset', 'x', '--request-timeout', '0'], 'must be a positive number of seconds'],
    [['--dataset', 'x', 'extra'], 'too many arguments'],
    [['--dataset', 'x', '--judge-scale', '1-10'], "option '--judge-scale <scale>' argument '1-10' is invalid"],
    [['--dataset', 'x', '--judge-scale', '1-5', '--judge-pass', '0'], '--judge-pass 0 is not on the 1-5 scale (1 to 5)'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArguments(argv, () => {})).toThrow(ConfigError);
    expect(() => parseArguments(argv, () => {})).toThrow(message);
  });

  it('prints help and says so', () => {
    let help = '';
    expect(parseArguments(['--help'], (text) => (help += text))).toBe('help');
    expect(help).toContain('--dataset <source>');
  });

  it('shows the durations’ defaults in seconds, as their flags say, and uses them in milliseconds', () => {
    let help = '';
    parseArguments(['--help'], (text) => (help += text));
    // Commander wraps descriptions to the terminal's width.
    const line = (text: string) => new RegExp(text.replace(/[()]/g, '\\$&').replaceAll(' ', '\\s+'));
    expect(help).toMatch(line('--request-timeout <seconds> per request attempt (default: 120)'));
    expect(help).toMatch(line('--drain-timeout <seconds> on SIGTERM, how long in-flight requests may finish (default: 5)'));
    expect(help).toMatch(line('--progress-interval <seconds> at most one progress line per interval (default: 10)'));
    expect(parse('--dataset', 'x')).toEqual(
      parse('--dataset', 'x', '--request-timeout', '120', '--drain-timeout', '5', '--progress-interval', '10'),
    );
  });

  it('takes sampling settings the command line leaves open from the target’s parameters', () => {
    const parameters = { temperature: '0', maxTokens: '1024', topP: '0.5' };
    expect(withTargetParameters(parse('--dataset', 'x'), parameters)).toMatchObject({
      temperature: 0,
      maxOutputTokens: 1024,
      topP: 0.5,
    });
    expect(withTargetParameters(parse('--dataset', 'x', '--temperature', '1'), parameters).temperature).toBe(1);
    expect(() => withTargetParameters(parse('--dataset', 'x'), { maxTokens: 'lots' })).toThrow(
      'target parameter maxTokens must be a whole number from 1, not "lots"',
    );
  });
});
