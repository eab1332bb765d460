// The object store an administrator configured for run artifacts (--artifacts-*, docs/results.md#artifacts):
// where each run's folder is, and the environment that tells a run's pods. Pure: the settings come
// in as input, resolved once at start (operator/src/config/artifacts.ts).
import type { V1EnvVar } from '@kubernetes/client-node';
import { RUNNER_ENV } from '../../../../runner/src/contract/env.ts';

export interface ArtifactStore {
  bucket: string;
  /** The folder of all runs in the bucket: '' or a path ending with '/'. */
  prefix: string;
  /** An S3-compatible store's URL; absent: AWS S3. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /**
   * The Secret in each suite's namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Pods
   * reference it; the operator never reads it.
   */
  secret: string;
}

/** A run's folder: s3://<bucket>/<prefix><namespace>/<suite>/<round>/<run>/ (a sharded run's shards are below it). */
export function runArtifactsURL(
  store: ArtifactStore,
  run: { namespace: string; suite: string; round: number; run: string },
): string {
  return `s3://${store.bucket}/${store.prefix}${run.namespace}/${run.suite}/${run.round}/${run.run}/`;
}

/**
 * The runner contract's artifact variables. The credentials are references to an optional Secret:
 * a namespace without it still runs (bench-runner then writes no artifacts and says so), and no
 * value passes through the operator.
 */
export function artifactsEnv(store: ArtifactStore, url: string): V1EnvVar[] {
  const fromSecret = (name: string): V1EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: store.secret, key: name, optional: true } },
  });
  return [
    { name: RUNNER_ENV.artifactsUrl, value: url },
    ...(store.endpoint ? [{ name: RUNNER_ENV.artifactsS3Endpoint, value: store.endpoint }] : []),
    ...(store.region ? [{ name: RUNNER_ENV.artifactsS3Region, value: store.region }] : []),
    fromSecret(RUNNER_ENV.artifactsAccessKeyId),
    fromSecret(RUNNER_ENV.artifactsSecretAccessKey),
  ];
}
