import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import type { JobView } from './observe.ts';
import { shorten } from '../status/text.ts';

/** status.sourceRevision's maxLength in the CRD. */
const MAX_REVISION_LENGTH = 256;

/**
 * The suite's revision now, cut to what status can hold (on a character boundary): its `bench.dev/source-revision`
 * annotation, which wins when present, else the revision of the GitOps object that manages it
 * (managed-revision.ts), when the operator reads those.
 */
export function sourceRevisionOf(
  suite: Pick<BenchmarkSuite, 'metadata'>,
  managedRevision?: string,
): string | undefined {
  const value = suite.metadata?.annotations?.[ANNOTATIONS.sourceRevision]?.trim() || managedRevision?.trim();
  return value ? shorten(value, MAX_REVISION_LENGTH, '') : undefined;
}

/**
 * The revision of a round that has started: status.sourceRevision when the status knows the
 * round, else the annotation on the round's Jobs (the status write that started the round may be
 * lost or not yet in the cache; the Jobs were made after it was decided).
 */
export function startedRoundRevision(
  suite: Pick<BenchmarkSuite, 'status'>,
  jobs: JobView[],
  round: number,
): string | undefined {
  if ((suite.status?.round ?? 0) === round) return suite.status?.sourceRevision;
  const job = jobs.find((j) => Number(j.metadata.labels?.[LABELS.round]) === round);
  return job?.metadata.annotations?.[ANNOTATIONS.sourceRevision];
}
