export interface Waiting {
  readonly reason: string;
  readonly message: string;
}

/**
 * The scheduler's latest reason for each run it left waiting, by suite, for the suite's status.
 * Derived state: rebuilt by the first pass after a restart.
 */
export class WaitingBook {
  private readonly bySuite = new Map<string, Map<string, Waiting>>();

  /** Replaces a suite's entries; returns whether anything changed (its status then needs a look). */
  replace(suite: string, entries: Map<string, Waiting>): boolean {
    const previous = this.bySuite.get(suite);
    if (entries.size === 0) {
      this.bySuite.delete(suite);
      return (previous?.size ?? 0) > 0;
    }
    this.bySuite.set(suite, entries);
    if (!previous || previous.size !== entries.size) return true;
    for (const [run, waiting] of entries) {
      const before = previous.get(run);
      if (!before || before.reason !== waiting.reason || before.message !== waiting.message) return true;
    }
    return false;
  }

  forSuite(suite: string): Map<string, Waiting> {
    return this.bySuite.get(suite) ?? new Map<string, Waiting>();
  }

  suites(): string[] {
    return [...this.bySuite.keys()];
  }
}
