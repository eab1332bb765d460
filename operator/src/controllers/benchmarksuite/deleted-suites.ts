import type { SuiteObject } from '../caches.ts';

/** Deleted suites kept until reconciled; a standby that never reconciles keeps only the latest. */
const CAPACITY = 1000;

/**
 * The last state of suites the cache saw deleted, so the reconcile of a suite that is gone can
 * still record SuiteDeleted with its uid and round. Filled by the suite informer on every replica.
 */
export class DeletedSuites {
  private readonly suites = new Map<string, SuiteObject>();

  remember(suite: SuiteObject): void {
    const key = `${suite.metadata.namespace}/${suite.metadata.name}`;
    this.suites.delete(key);
    this.suites.set(key, suite);
    if (this.suites.size > CAPACITY) this.suites.delete(this.suites.keys().next().value!);
  }

  /** The deleted suite's last state. */
  get(key: string): SuiteObject | undefined {
    return this.suites.get(key);
  }

  /** Its deletion is on record. */
  forget(key: string): void {
    this.suites.delete(key);
  }
}
