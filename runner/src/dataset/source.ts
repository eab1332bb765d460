/**
 * Where a dataset's text comes from: a file (e.g. a volume), an http(s) URL, or `env:NAME`, a
 * variable holding the JSONL itself (a BenchmarkSuite cannot mount volumes, but its env can take a
 * ConfigMap key through valueFrom.configMapKeyRef).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.ts';

/** A dataset URL that did not answer now (5xx, connection failure): a run failure, worth retrying. */
export class DatasetUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetUnavailableError';
  }
}

const FETCH_TIMEOUT_MS = 60_000;

/** The URL without its query and fragment: a presigned URL carries its credentials there. */
function printable(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

async function fetchText(url: URL, stop: AbortSignal | undefined): Promise<string> {
  const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, { signal: stop ? AbortSignal.any([stop, timeout]) : timeout });
  } catch (error) {
    if (stop?.aborted) throw stop.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).name;
    throw new DatasetUnavailableError(`the dataset ${printable(url)} could not be fetched (${why})`);
  }
  if (response.ok) return response.text();
  await response.body?.cancel();
  const message = `the dataset ${printable(url)} could not be fetched: HTTP ${response.status}`;
  // 408 and 429 say "later", like 5xx; any other 4xx will answer the same next time.
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new DatasetUnavailableError(message);
  }
  throw new ConfigError(message);
}

/** The dataset's text; `stop` (SIGTERM) ends a download, rejecting with its reason. */
export async function readDatasetSource(
  source: string,
  env: NodeJS.ProcessEnv,
  stop?: AbortSignal,
): Promise<string> {
  if (source.startsWith('env:')) {
    const name = source.slice('env:'.length);
    const text = env[name];
    if (!text) throw new ConfigError(`--dataset ${source}: the variable ${name} is not set or empty`);
    return text;
  }
  if (/^https?:\/\//i.test(source)) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new ConfigError('--dataset is not a valid URL');
    }
    return fetchText(url, stop);
  }
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`--dataset ${source} cannot be read (${code})`);
  }
}
