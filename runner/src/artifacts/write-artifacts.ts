/**
 * Writes a shard's artifacts (items.jsonl, results.json) to the run's folder in the object store.
 * The run's result never depends on it: a store that is down, refuses the credentials or takes too
 * long costs the artifacts only. The failure is logged (the store's error, never a credential) and
 * the result gets `artifactsFailed: 1`; the exit code stays the run's.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Shard } from '../config/env.ts';
import type { ItemResult } from '../evaluate/item-result.ts';
import { ARTIFACT_OBJECTS, shardPrefix, type LmEvalResults } from '../contract/artifacts.ts';
import type { ArtifactsDestination } from './destination.ts';

/** How long the uploads may take: after a SIGTERM they must end within the pod's grace period (30 s by default). */
export const ARTIFACTS_TIMEOUT_MS = { normal: 60_000, interrupted: 15_000 } as const;

/** The metric a result carries when its artifacts could not be written. */
export const ARTIFACTS_FAILED_METRIC = 'artifactsFailed';

export interface WriteArtifactsInput {
  destination: ArtifactsDestination;
  shard: Shard;
  items: readonly ItemResult[];
  results: LmEvalResults;
  /** Removes the secrets from what is written (the reporter's). */
  clean: (text: string) => string;
  log: (line: string) => void;
  timeoutMs: number;
  /** The store's client; made from the destination when absent. */
  client?: Pick<S3Client, 'send'>;
}

/** A client for the destination: path-style, as S3-compatible stores need; credentials from the environment. */
export function artifactsClient(destination: ArtifactsDestination): S3Client {
  return new S3Client({
    region: destination.region,
    ...(destination.endpoint ? { endpoint: destination.endpoint } : {}),
    forcePathStyle: true,
    // Checksums only where S3 requires them: not every S3-compatible store knows the newer ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The items in dataset order, one JSON line each, without the secrets. */
export function itemsJsonl(items: readonly ItemResult[], clean: (text: string) => string): string {
  return items
    .toSorted((a, b) => a.index - b.index)
    .map((item) => `${clean(JSON.stringify(item))}\n`)
    .join('');
}

/** What went wrong, for the log: the store's error code, HTTP status and message (never a credential). */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error.name === 'Error' ? '' : `${error.name}: `;
  return `${name}${error.message}${status ? ` (HTTP ${status})` : ''}`;
}

/** Writes the artifacts; resolves with the metrics to add to the run's result ({} when written). */
export async function writeArtifacts(input: WriteArtifactsInput): Promise<Record<string, number>> {
  const { destination, log } = input;
  if (!destination.hasCredentials) {
    log(
      `no artifacts written: no credentials for ${destination.url} (AWS_ACCESS_KEY_ID is not set: the artifacts Secret is not in this namespace)`,
    );
    return {};
  }
  const prefix = shardPrefix(destination.prefix, input.shard);
  const objects = [
    {
      key: `${prefix}${ARTIFACT_OBJECTS.items}`,
      body: itemsJsonl(input.items, input.clean),
      type: 'application/x-ndjson',
    },
    {
      key: `${prefix}${ARTIFACT_OBJECTS.results}`,
      body: input.clean(`${JSON.stringify(input.results, null, 2)}\n`),
      type: 'application/json',
    },
  ];
  const client = input.client ?? artifactsClient(destination);
  const abortSignal = AbortSignal.timeout(input.timeoutMs);
  try {
    for (const object of objects) {
      await client.send(
        new PutObjectCommand({
          Bucket: destination.bucket,
          Key: object.key,
          Body: object.body,
          ContentType: object.type,
        }),
        { abortSignal },
      );
    }
  } catch (error) {
    const why = abortSignal.aborted ? `no answer within ${input.timeoutMs / 1000} s` : describeFailure(error);
    log(`artifacts not written to s3://${destination.bucket}/${prefix}: ${input.clean(why)}`);
    return { [ARTIFACTS_FAILED_METRIC]: 1 };
  } finally {
    if (!input.client) (client as S3Client).destroy();
  }
  log(`artifacts written to s3://${destination.bucket}/${prefix} (${objects.length} objects)`);
  return {};
}
