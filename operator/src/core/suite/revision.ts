import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import type { JobView } from './observe.ts';

/** status.sourceRevision's maxLength in the CRD. */
const MAX_REVISION_LENGTH = 256;

/** The suite's `bench.dev/source-revision` annotation now, cut to what status can hold. */
export function sourceRevisionOf(suite: Pick<BenchmarkSuite, 'metadata'>): string | undefined {
  const value = suite.metadata?.annotations?.[ANNOTATIONS.sourceRevision]?.trim();
  return value ? value.slice(0, MAX_REVISION_LENGTH) : undefined;
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
