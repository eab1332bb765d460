/**
 * Where a run's checkpoint is kept (docs/runner-contract.md, Resume): an S3 folder, or a directory
 * (a PVC mount). The operator gives the run's folder; every shard of a run sees the same
 * environment, so each keeps its records in its own `shard-<i>/` below it.
 */
import type { ArtifactsDestination } from '../artifacts/destination.ts';

/** BENCH_RESUME: `attempts` and `rounds` differ only in the folder the operator gives. */
export const RESUME_MODES = ['off', 'attempts', 'rounds'] as const;
export type ResumeMode = (typeof RESUME_MODES)[number];

export type CheckpointLocation =
  /** The store's client settings are the artifact store's; `prefix` is the shard's folder. */
  | { kind: 's3'; destination: ArtifactsDestination }
  /** `path` is the shard's directory. */
  | { kind: 'directory'; path: string };

/** The folder of one shard below the run's checkpoint folder (`folder` ends with `/`). */
export const shardFolder = (folder: string, shardIndex: number) => `${folder}shard-${shardIndex}/`;

/** The folder, for logs. */
export function describeLocation(location: CheckpointLocation): string {
  return location.kind === 's3'
    ? `s3://${location.destination.bucket}/${location.destination.prefix}`
    : location.path;
}
