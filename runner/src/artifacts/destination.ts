/**
 * Where a run's artifacts go (docs/runner-contract.md, Artifacts): the operator passes the run's
 * folder as BENCH_ARTIFACTS_URL, s3://<bucket>/<prefix>/<namespace>/<suite>/<round>/<run>/, and each
 * shard of a sharded run writes into its own `shard-<i>/` below it, so that shards never overwrite
 * each other and a reader finds them by listing the run's folder.
 */
import { ConfigError } from '../config/errors.ts';
import { parseS3Url } from '../contract/artifacts.ts';

export interface ArtifactsDestination {
  /** BENCH_ARTIFACTS_URL as given: the run's folder. */
  url: string;
  bucket: string;
  /** The run's folder inside the bucket, ending with `/`. */
  prefix: string;
  /** BENCH_ARTIFACTS_S3_ENDPOINT: an S3-compatible store's URL; absent: AWS S3. */
  endpoint: string | undefined;
  region: string;
  /**
   * Whether credentials were given (the Secret's AWS_ACCESS_KEY_ID, or a web identity token): the
   * Secret is optional in the pod, so a namespace without it runs without artifacts.
   */
  hasCredentials: boolean;
}

/** The store's region when neither BENCH_ARTIFACTS_S3_REGION nor AWS_REGION says: S3-compatible stores accept any. */
export const DEFAULT_REGION = 'us-east-1';

/** BENCH_ARTIFACTS_URL into its bucket and key prefix (a ConfigError when it is not an s3:// URL). */
export function parseArtifactsUrl(url: string, name: string): { bucket: string; prefix: string } {
  const parsed = parseS3Url(url);
  if (!parsed) throw new ConfigError(`${name} must be s3://<bucket>/<folder>/, not ${JSON.stringify(url)}`);
  return parsed;
}
