// Reads a run's artifacts from the object store its BenchmarkRound record names, for benchctl export:
// every shard's results.json (and items.jsonl when asked), with the user's own AWS credentials
// (environment, profile) and a clear error for what is missing or refused.
import { GetObjectCommand, paginateListObjectsV2, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { RoundRun } from '../api/index.ts';
import {
  ARTIFACT_OBJECTS,
  parseS3Url,
  shardPrefix,
  type LmEvalResults,
} from '../../../runner/src/contract/artifacts.ts';
import { CliError, EXIT, failureError, findingError } from './errors.ts';
import type { ShardArtifacts } from './export-formats.ts';

/** Where the store is: --s3-endpoint, else the SDK's AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS S3. */
export function storeClient(endpoint: string | undefined, env: NodeJS.ProcessEnv): S3Client {
  const url = endpoint ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  return new S3Client({
    ...(url ? { endpoint: url } : {}),
    // S3-compatible stores take any region; AWS S3 redirects to the bucket's.
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    // As bench-runner writes: path-style, checksums only where S3 requires them.
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A store's refusal or absence as benchctl's error: a missing object or bucket is a finding, the rest a failure. */
function storeError(error: unknown, url: string): Error {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as Error).name;
  if (name === 'NoSuchKey' || name === 'NotFound') return findingError(`${url} is missing`);
  if (name === 'NoSuchBucket') return findingError(`${url}: the bucket does not exist`);
  if (
    name === 'AccessDenied' ||
    status === 403 ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch'
  ) {
    return failureError(
      `access denied reading ${url} (${name}): check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and that they may read the bucket`,
    );
  }
  if (name === 'CredentialsProviderError') {
    return failureError(
      `no credentials for the artifact store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`,
    );
  }
  if (error instanceof S3ServiceException)
    return failureError(`the artifact store refused ${url}: ${name}${status ? ` (HTTP ${status})` : ''}`);
  const cause =
    (error as { code?: string; cause?: { code?: string } }).code ??
    (error as { cause?: { code?: string } }).cause?.code;
  return failureError(`cannot read ${url} from the artifact store: ${cause ?? (error as Error).message}`);
}

async function fromStore<T>(url: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storeError(error, url);
  }
}

/** A run's folder holds nothing: a finding that export may pass over for a run that did not succeed. */
export class NoArtifactsError extends CliError {
  constructor(message: string) {
    super(message, EXIT.findings);
  }
}

/** The run's folder in the store, from its record. */
export function runFolder(
  recordName: string,
  run: RoundRun,
): { url: string; bucket: string; prefix: string } {
  if (!run.artifacts) {
    throw findingError(
      `BenchmarkRound ${recordName} records no artifacts for run ${run.name}: no artifact store was configured (--artifacts-s3-bucket) when it ran`,
    );
  }
  const folder = parseS3Url(run.artifacts);
  if (!folder)
    throw findingError(`run ${run.name}: its artifacts URL ${run.artifacts} is not s3://<bucket>/<folder>/`);
  return { url: run.artifacts, ...folder };
}

/** The shards' folders there are in the run's folder: `shard-<i>/` for a sharded run, else the folder itself. */
async function shardsPresent(
  client: S3Client,
  bucket: string,
  prefix: string,
  url: string,
): Promise<number[]> {
  const shards = new Set<number>();
  await fromStore(url, async () => {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
      for (const { Key } of page.Contents ?? []) {
        const rest = Key!.slice(prefix.length);
        const sharded = /^shard-(\d+)\//.exec(rest);
        if (sharded) shards.add(Number(sharded[1]));
        else if (rest === ARTIFACT_OBJECTS.results || rest === ARTIFACT_OBJECTS.items) shards.add(-1);
      }
    }
  });
  return [...shards].sort((a, b) => a - b);
}

async function readText(client: S3Client, bucket: string, key: string): Promise<string> {
  const url = `s3://${bucket}/${key}`;
  return fromStore(url, async () => {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body!.transformToString('utf8');
  });
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw findingError(`${url} is not JSON`);
  }
}

/**
 * Every shard's artifacts of a run, shard by shard. A run whose folder holds nothing is a finding
 * (deleted, e.g. by the bucket's lifecycle rules, or never written: the run's result then has
 * artifactsFailed), and so is a shard the others say exists but whose objects are not there.
 */
export async function readRunArtifacts(
  client: S3Client,
  recordName: string,
  run: RoundRun,
  options: { items: boolean },
): Promise<ShardArtifacts[]> {
  const { url, bucket, prefix } = runFolder(recordName, run);
  const present = await shardsPresent(client, bucket, prefix, url);
  if (present.length === 0) {
    throw new NoArtifactsError(
      `run ${run.name}: no artifacts at ${url} (deleted, e.g. by the bucket's lifecycle rules, or never written: see artifactsFailed in its result and its runner's log)`,
    );
  }
  const read = async (index: number, count: number): Promise<ShardArtifacts> => {
    const folder = shardPrefix(prefix, { index, count });
    const resultsKey = `${folder}${ARTIFACT_OBJECTS.results}`;
    const results = parseJson(
      await readText(client, bucket, resultsKey),
      `s3://${bucket}/${resultsKey}`,
    ) as LmEvalResults;
    if (!options.items) return { shard: index, results };
    const itemsKey = `${folder}${ARTIFACT_OBJECTS.items}`;
    const text = await readText(client, bucket, itemsKey);
    const items = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => parseJson(line, `s3://${bucket}/${itemsKey}`) as Record<string, unknown>);
    return { shard: index, results, items };
  };
  if (present[0] === -1) return [await read(0, 1)];
  // Every shard's results say how many there are: one that wrote nothing is missing, not skipped.
  // (Any count above 1 names a shard's own folder.)
  const first = await read(present[0]!, Math.max(2, present.length));
  const count = first.results.bench_runner?.shard?.count ?? present.length;
  const shards = [first];
  for (let index = 0; index < count; index++) {
    if (index === first.shard) continue;
    shards.push(await read(index, count));
  }
  return shards.sort((a, b) => a.shard - b.shard);
}
