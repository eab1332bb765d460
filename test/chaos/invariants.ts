// What must hold however the operator and the control plane are killed: checked after the fact,
// from the histories the chaos test's own watches recorded (history.ts). Pure functions, unit-tested
// against histories that break each rule (test/unit/chaos-invariants.test.ts).
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import type { Observed } from './history.ts';

export type JobObject = KubeObject & {
  spec?: { activeDeadlineSeconds?: number };
  status?: { conditions?: Array<{ type: string; status: string }> };
};
export type LeaseObject = KubeObject & { spec?: { holderIdentity?: string } };

const SUITE = 'bench.dev/suite';
const ROUND = 'bench.dev/round';
const RUN = 'bench.dev/run';
const ATTEMPT = 'bench.dev/attempt';
const PROVIDER = 'bench.dev/provider';
export const WRITTEN_BY = 'bench.dev/written-by';

function attemptKey(job: JobObject): string {
  const l = job.metadata.labels ?? {};
  return `${job.metadata.namespace}/${l[SUITE]}/r${l[ROUND]}/${l[RUN]}/a${l[ATTEMPT]}`;
}

function finished(job: JobObject): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

const byRv = <T extends KubeObject>(events: Array<Observed<T>>) => [...events].sort((a, b) => a.rv - b.rv);

/** Run attempts that ever had more than one Job (distinct uids): each should have exactly one. */
export function duplicateJobs(events: Array<Observed<JobObject>>): string[] {
  const uids = new Map<string, Set<string>>();
  for (const { object } of events) {
    const k = attemptKey(object);
    const set = uids.get(k) ?? new Set<string>();
    set.add(object.metadata.uid ?? '');
    uids.set(k, set);
  }
  return [...uids].filter(([, set]) => set.size > 1).map(([k, set]) => `${k}: ${set.size} Jobs`);
}

export interface CapCheck {
  /** Instants checked: every change the watch saw as it happened. */
  samples: number;
  /** The most unfinished Jobs each provider had at any checked instant. */
  peak: Record<string, number>;
  violations: Array<{ provider: string; active: number; cap: number; rv: number }>;
}

/**
 * Unfinished Jobs per provider at every instant the watch saw, against the providers' caps. Changes
 * seen late by a relist move the state on without being instants of their own (their order within
 * the gap is unknown); the state after them is exact again.
 */
export function capCheck(events: Array<Observed<JobObject>>, caps: Record<string, number>): CapCheck {
  const active = new Map<string, string>();
  const result: CapCheck = { samples: 0, peak: {}, violations: [] };
  for (const event of byRv(events)) {
    const { object } = event;
    const uid = object.metadata.uid ?? '';
    if (event.type === 'DELETED' || finished(object)) active.delete(uid);
    else active.set(uid, object.metadata.labels?.[PROVIDER] ?? '');
    if (event.since !== undefined) continue;
    result.samples++;
    const counts = new Map<string, number>();
    for (const provider of active.values()) counts.set(provider, (counts.get(provider) ?? 0) + 1);
    for (const [provider, count] of counts) {
      result.peak[provider] = Math.max(result.peak[provider] ?? 0, count);
      const cap = caps[provider];
      if (cap !== undefined && count > cap)
        result.violations.push({ provider, active: count, cap, rv: event.rv });
    }
  }
  return result;
}

/** A change of a Job made by the operator (its annotations or spec), with who made it. */
interface JobWrite {
  job: string;
  writer: string;
  /** The write happened after `after` and at or before `at` (exactly at `at` when seen live). */
  after: number;
  at: number;
}

function operatorWrites(events: Array<Observed<JobObject>>): JobWrite[] {
  const last = new Map<string, JobObject>();
  const writes: JobWrite[] = [];
  for (const event of byRv(events)) {
    const { object } = event;
    const uid = object.metadata.uid ?? '';
    const before = last.get(uid);
    last.set(uid, object);
    if (event.type === 'DELETED') continue;
    const changed =
      !before ||
      JSON.stringify(before.metadata.annotations ?? {}) !==
        JSON.stringify(object.metadata.annotations ?? {}) ||
      before.spec?.activeDeadlineSeconds !== object.spec?.activeDeadlineSeconds;
    if (!changed) continue;
    writes.push({
      job: `${object.metadata.namespace}/${object.metadata.name}`,
      writer: object.metadata.annotations?.[WRITTEN_BY] ?? '',
      after: event.since ?? event.rv - 1,
      at: event.rv,
    });
  }
  return writes;
}

export interface LeaderCheck {
  /** Operator writes whose lease term is known. */
  checked: number;
  /** Writes seen late whose interval spans a change of holder, or a gap in the Lease's history. */
  ambiguous: number;
  /** Writes made by a replica that did not hold the lease then: two leaders acting at once. */
  conflicts: Array<{ job: string; writer: string; holders: string[]; at: number }>;
}

/**
 * Every Job write carries its replica's identity (bench.dev/written-by); the Lease's history says
 * who held it at each resourceVersion. A write by anyone but the holder of its instant means two
 * replicas acted as leader at once.
 */
export function leaderCheck(
  jobEvents: Array<Observed<JobObject>>,
  leaseEvents: Array<Observed<LeaseObject>>,
): LeaderCheck {
  const versions = byRv(leaseEvents).filter((e) => e.type !== 'DELETED');
  const result: LeaderCheck = { checked: 0, ambiguous: 0, conflicts: [] };
  for (const write of operatorWrites(jobEvents)) {
    // The holder just before the interval, and of every version written within it.
    const holders = new Set<string>();
    let unknown = false;
    let before: Observed<LeaseObject> | undefined;
    for (const version of versions) {
      if (version.rv <= write.after) before = version;
      else if (version.rv < write.at) holders.add(version.object.spec?.holderIdentity ?? '');
      // Versions a relist skipped may lie anywhere after its `since`.
      if (version.since !== undefined && version.since < write.at && version.rv > write.after) unknown = true;
    }
    if (before) holders.add(before.object.spec?.holderIdentity ?? '');
    else unknown = true;
    if (holders.size === 1 && holders.has(write.writer) && !unknown) result.checked++;
    else if (holders.has(write.writer) || unknown) result.ambiguous++;
    else result.conflicts.push({ job: write.job, writer: write.writer, holders: [...holders], at: write.at });
  }
  return result;
}

/**
 * For each SIGKILL of the leader, how long until the test saw another replica hold the lease (ms);
 * Infinity when it never did.
 */
export function failoverTimes(
  kills: Array<{ identity: string; at: number }>,
  leaseEvents: Array<Observed<LeaseObject>>,
): number[] {
  return kills.map((kill) => {
    const next = leaseEvents.find((e) => {
      const holder = e.object.spec?.holderIdentity ?? '';
      return e.at >= kill.at && holder !== '' && holder !== kill.identity;
    });
    return next ? next.at - kill.at : Number.POSITIVE_INFINITY;
  });
}

/** The nearest-rank percentile (p in 0..100) of the values; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
