import type { SuiteObject } from '../caches.ts';
import { waitReason, waitsForAdmission } from './wait-reasons.ts';

/**
 * How long each suite's longest-waiting run has waited for admission. A run's status has no
 * "waiting since", so this remembers when each waiting run (one attempt of it) was first seen
 * waiting, and forgets it as soon as it no longer waits: the entries are exactly the runs waiting
 * now, rebuilt from the cache on every look, so nothing accumulates. A run that waits by design
 * in between (a window closed, the suite suspended) starts again from zero when it waits for
 * admission again. After a restart the ages count from the first look.
 */
export class AdmissionWaits {
  private since = new Map<string, number>();

  /** The longest wait in seconds by suite (`namespace/name`); suites with no run waiting for admission are absent. */
  observe(suites: SuiteObject[], now: number): Map<string, number> {
    const next = new Map<string, number>();
    const longest = new Map<string, number>();
    for (const suite of suites) {
      const { namespace, name, uid } = suite.metadata;
      const round = suite.status?.round ?? 0;
      for (const run of suite.status?.runs ?? []) {
        if (run.state !== 'Queued' && run.state !== 'Retrying') continue;
        if (!waitsForAdmission(waitReason(run.reason))) continue;
        const key = `${uid}/${round}/${run.name}/${run.attempt}`;
        const since = this.since.get(key) ?? now;
        next.set(key, since);
        const suiteKey = `${namespace}/${name}`;
        longest.set(suiteKey, Math.max(longest.get(suiteKey) ?? 0, (now - since) / 1000));
      }
    }
    this.since = next;
    return longest;
  }
}
