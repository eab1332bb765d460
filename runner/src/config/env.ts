/**
 * The runner contract's environment (docs/runner-contract.md), read once at start: which provider
 * and model, the API key (and whether it may cross plain http), the per-run rate limits, which
 * shard of the items this pod takes, where its artifacts go and where it keeps its checkpoint.
 */
import { join } from 'node:path';
import { redact } from '../providers/errors.ts';
import type { ProviderConfig, ProviderType } from '../providers/types.ts';
import { ConfigError } from './errors.ts';
import { JUDGE_VARIABLES, RUNNER_ENV, TARGET_VARIABLES, type ProviderVariables } from '../contract/env.ts';
import { DEFAULT_REGION, parseArtifactsUrl, type ArtifactsDestination } from '../artifacts/destination.ts';
import { RESUME_MODES, shardFolder, type CheckpointLocation, type ResumeMode } from '../resume/location.ts';

export const PROVIDER_TYPES: readonly ProviderType[] = [
  'openai',
  'anthropic',
  'azure-openai',
  'google-vertex',
  'aws-bedrock',
  'mistral',
  'cohere',
  'groq',
  'together',
  'openai-compatible',
];

/** Where Kubernetes reads a container's termination message unless the pod says otherwise. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

export interface Shard {
  /** 0-based: JOB_COMPLETION_INDEX. */
  index: number;
  /** BENCH_SHARDS. */
  count: number;
}

export interface RunnerEnvironment {
  /** BENCH_SUITE, BENCH_RUN...: for progress lines only; absent outside a Job. */
  run: string | undefined;
  provider: ProviderConfig;
  model: string;
  requestsPerMinute: number | undefined;
  tokensPerMinute: number | undefined;
  shard: Shard;
  /** TERMINATION_MESSAGE_PATH (local runs, tests), else /dev/termination-log. */
  terminationMessagePath: string;
  /** BENCH_SUITE, BENCH_ROUND, BENCH_RUN, BENCH_BENCHMARK, BENCH_TARGET as given, for the artifacts. */
  identity: Partial<Record<'suite' | 'round' | 'run' | 'benchmark' | 'target', string>>;
  /** Where the artifacts go: absent when the administrator configured no artifact store. */
  artifacts: ArtifactsDestination | undefined;
  /** The judge scorer's provider, model and limits (BENCH_JUDGE_*): absent when the run has no judge. */
  judge?: ProviderEnvironment | undefined;
  /** The shard's checkpoint (docs/runner-contract.md, Resume): absent when resume is off or has no location. */
  checkpoint?: CheckpointLocation | undefined;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set: the operator sets it in every run's Job`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new ConfigError(`${name} must be a whole number from 1, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function parameters(text: string | undefined, name: string): Record<string, string> {
  if (text === undefined || text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${name} is not JSON: it must be a JSON object of strings`);
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const bad = isObject && Object.entries(value as object).find(([, v]) => typeof v !== 'string');
  if (!isObject || bad) {
    const what = bad ? `parameter ${JSON.stringify(bad[0])} is not a string` : 'it is not an object';
    throw new ConfigError(`${name} must be a JSON object of strings: ${what}`);
  }
  return value as Record<string, string>;
}

function shard(env: NodeJS.ProcessEnv): Shard {
  const count = positiveInteger(env, RUNNER_ENV.shards) ?? 1;
  const indexText = env.JOB_COMPLETION_INDEX;
  if (indexText === undefined || indexText === '') {
    if (count > 1) {
      throw new ConfigError(
        `BENCH_SHARDS is ${count} but JOB_COMPLETION_INDEX is not set: sharded runs are Indexed Jobs`,
      );
    }
    return { index: 0, count };
  }
  if (!/^\d+$/.test(indexText) || Number(indexText) >= count) {
    throw new ConfigError(
      `JOB_COMPLETION_INDEX must be a whole number from 0 to ${count - 1} (BENCH_SHARDS ${count}), not ${JSON.stringify(indexText)}`,
    );
  }
  return { index: Number(indexText), count };
}

/** The contract's environment; a ConfigError names what is wrong (a value quoted in it never holds the key). */
export function readEnvironment(env: NodeJS.ProcessEnv): RunnerEnvironment {
  try {
    return read(env);
  } catch (error) {
    const keys = [env[RUNNER_ENV.apiKey], env[RUNNER_ENV.judgeApiKey]].filter((key): key is string => Boolean(key));
    if (error instanceof ConfigError && keys.length > 0) {
      throw new ConfigError(redact(error.message, keys));
    }
    throw error;
  }
}

/** A provider and model with this run's share of its rate limits. */
export interface ProviderEnvironment {
  provider: ProviderConfig;
  model: string;
  requestsPerMinute: number | undefined;
  tokensPerMinute: number | undefined;
}

function allowPlainHttp(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = env[name];
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(`${name} must be true or false, not ${JSON.stringify(value)}`);
}

/**
 * Refuses to send a key over plain http unless the ProviderPolicy allows it (spec.allowPlainHTTP,
 * passed as BENCH_ALLOW_PLAIN_HTTP=true): anyone on the path could read it. Checked here, before any
 * adapter exists, so it holds for every provider, the SDK-based ones included. Without a key (a
 * local model without auth) plain http is fine.
 */
function checkPlainHttp(
  endpoint: string | undefined,
  apiKey: string | undefined,
  allowed: boolean,
  names: ProviderVariables,
): void {
  if (!endpoint || !apiKey || allowed || !/^http:/i.test(endpoint)) return;
  throw new ConfigError(
    `${names.endpoint} ${originOf(endpoint)} is plain http and ${names.apiKey} is set: bench-runner does not send an API key unencrypted unless ${names.allowPlainHttp}=true (set by the operator from the ProviderPolicy's spec.allowPlainHTTP); use an https:// endpoint, or set allowPlainHTTP: true if the network to the endpoint is trusted`,
  );
}

function providerEnvironment(env: NodeJS.ProcessEnv, names: ProviderVariables): ProviderEnvironment {
  const type = required(env, names.provider);
  if (!PROVIDER_TYPES.includes(type as ProviderType)) {
    throw new ConfigError(
      `${names.provider} ${JSON.stringify(type)} is not a provider type bench-runner knows (${PROVIDER_TYPES.join(', ')})`,
    );
  }
  const endpoint = env[names.endpoint] || undefined;
  const apiKey = env[names.apiKey] || undefined;
  checkPlainHttp(endpoint, apiKey, allowPlainHttp(env, names.allowPlainHttp), names);
  return {
    provider: {
      type: type as ProviderType,
      endpoint,
      apiKey,
      parameters: parameters(env[names.parameters], names.parameters),
    },
    model: required(env, names.model),
    requestsPerMinute: positiveInteger(env, names.rateLimitRpm),
    tokensPerMinute: positiveInteger(env, names.rateLimitTpm),
  };
}

/** The endpoint's scheme, host and port only: a URL's path or user info may hold what should not be printed. */
function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return '(not a valid URL)';
  }
}

function identity(env: NodeJS.ProcessEnv): RunnerEnvironment['identity'] {
  const names = ['suite', 'round', 'run', 'benchmark', 'target'] as const;
  return Object.fromEntries(names.flatMap((name) => (env[RUNNER_ENV[name]] ? [[name, env[RUNNER_ENV[name]]]] : [])));
}

/** An S3 folder of the artifact store: its URL, and the store's endpoint, region and credentials. */
function s3Destination(env: NodeJS.ProcessEnv, url: string, name: string): ArtifactsDestination {
  const endpoint = env[RUNNER_ENV.artifactsS3Endpoint] || undefined;
  if (endpoint && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ConfigError(
      `${RUNNER_ENV.artifactsS3Endpoint} must be an http(s) URL, not ${JSON.stringify(endpoint)}`,
    );
  }
  return {
    url,
    ...parseArtifactsUrl(url, name),
    endpoint,
    region: env[RUNNER_ENV.artifactsS3Region] || env.AWS_REGION || DEFAULT_REGION,
    hasCredentials: Boolean(env[RUNNER_ENV.artifactsAccessKeyId] || env.AWS_WEB_IDENTITY_TOKEN_FILE),
  };
}

function artifacts(env: NodeJS.ProcessEnv): ArtifactsDestination | undefined {
  const url = env[RUNNER_ENV.artifactsUrl];
  return url ? s3Destination(env, url, RUNNER_ENV.artifactsUrl) : undefined;
}

function resumeMode(env: NodeJS.ProcessEnv): ResumeMode {
  const value = env[RUNNER_ENV.resume] || 'attempts';
  if (!RESUME_MODES.includes(value as ResumeMode)) {
    throw new ConfigError(
      `${RUNNER_ENV.resume} must be ${RESUME_MODES.join(', ')} or empty, not ${JSON.stringify(value)}`,
    );
  }
  return value as ResumeMode;
}

/**
 * The shard's checkpoint: BENCH_CHECKPOINT_DIR, BENCH_CHECKPOINT_URL, else `checkpoint/` in the
 * run's artifacts folder; none when BENCH_RESUME=off or no location is known.
 */
function checkpoint(
  env: NodeJS.ProcessEnv,
  runArtifacts: ArtifactsDestination | undefined,
  shardIndex: number,
): CheckpointLocation | undefined {
  if (resumeMode(env) === 'off') return undefined;
  const url = env[RUNNER_ENV.checkpointUrl] || undefined;
  const dir = env[RUNNER_ENV.checkpointDir] || undefined;
  if (url && dir) {
    throw new ConfigError(
      `${RUNNER_ENV.checkpointUrl} and ${RUNNER_ENV.checkpointDir} are both set: a run keeps its checkpoint in one place`,
    );
  }
  if (dir) return { kind: 'directory', path: join(dir, `shard-${shardIndex}`) };
  const folder = url
    ? s3Destination(env, url, RUNNER_ENV.checkpointUrl)
    : runArtifacts && { ...runArtifacts, prefix: `${runArtifacts.prefix}checkpoint/` };
  if (!folder) return undefined;
  const prefix = shardFolder(folder.prefix, shardIndex);
  return { kind: 's3', destination: { ...folder, url: `s3://${folder.bucket}/${prefix}`, prefix } };
}

function read(env: NodeJS.ProcessEnv): RunnerEnvironment {
  const target = providerEnvironment(env, TARGET_VARIABLES);
  const suite = env[RUNNER_ENV.suite];
  const run = env[RUNNER_ENV.run];
  const runShard = shard(env);
  const runArtifacts = artifacts(env);
  return {
    run: suite && run ? `${suite}/${run}` : run,
    ...target,
    judge: env[JUDGE_VARIABLES.provider] ? providerEnvironment(env, JUDGE_VARIABLES) : undefined,
    shard: runShard,
    terminationMessagePath: env.TERMINATION_MESSAGE_PATH || DEFAULT_TERMINATION_MESSAGE_PATH,
    identity: identity(env),
    artifacts: runArtifacts,
    checkpoint: checkpoint(env, runArtifacts, runShard.index),
  };
}
