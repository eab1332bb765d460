import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import type { SuiteRuns } from '../../core/scheduling/suite-snapshot.ts';

/**
 * Each suite's round and run states kept between passes, so a pass only re-derives the suites
 * whose inputs changed. Without it every pass derives every suite's runs from the cache, and a
 * pass follows every Job event: O(Jobs × suites) work in all, which saturated the event loop at
 * 200 suites × 10 runs (make bench). SchedulingState marks entries stale; a changed suite object
 * is seen by identity. Run states with a run in backoff depend on the clock, so they are never
 * kept.
 */
export class SuiteContextCache {
  private readonly entries = new Map<string, { suite: BenchmarkSuite; runs: SuiteRuns | undefined }>();

  invalidate(key: string): void {
    this.entries.delete(key);
  }

  invalidateAll(): void {
    this.entries.clear();
  }

  /** The suite's runs, derived again only when its inputs changed since the last pass. */
  getOrCompute(
    key: string,
    suite: BenchmarkSuite,
    compute: () => SuiteRuns | undefined,
  ): SuiteRuns | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.suite === suite) return entry.runs;
    const runs = compute();
    if (!runs || runs.runs.every((r) => r.retryAt === undefined)) this.entries.set(key, { suite, runs });
    else this.entries.delete(key);
    return runs;
  }
}
