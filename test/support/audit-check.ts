import { readFileSync } from 'node:fs';
import { afterAll, expect } from 'vitest';
import type { BenchmarkSuite } from '../../operator/src/api/v1alpha1/index.ts';
import { decodeBatch, OUTBOX_SELECTOR } from '../../operator/src/audit/batch.ts';
import { configMapType, type OutboxConfigMap } from '../../operator/src/audit/outbox.ts';
import { Informer } from '../../operator/src/runtime/informer/informer.ts';
import { listerWatcherFor } from '../../operator/src/runtime/informer/lister-watcher.ts';
import { outboxBatches } from './audit-operator.ts';
import { kubectlGetJson } from './kubectl.ts';
import type { AuditReceiver } from './audit-receiver.ts';
import { runtimeClient, testLogger } from './runtime.ts';
import { waitFor } from './wait.ts';

/**
 * Record ids stored in the outbox since a test started watching it; `earlier`: those of batches
 * already there (an earlier test's, e.g. the last delivered batch the outbox keeps), which a new
 * operator may deliver again (at least once).
 */
export class StoredRecords extends Set<string> {
  readonly earlier = new Set<string>();
}

/**
 * Every record id that was ever stored in the namespace's audit outbox, seen by a watch of the
 * test's own from before the operator starts: the decisions the operator took. A record is
 * decided once it is stored, whether or not its process lived to log it (a SIGKILL can fall
 * between the two).
 */
export async function watchOutbox(namespace: string): Promise<{ stored: StoredRecords }> {
  const stored = new StoredRecords();
  const { client } = await runtimeClient();
  const informer = new Informer<OutboxConfigMap>({
    name: 'test-audit-outbox',
    logger: testLogger(),
    sources: [
      {
        namespace,
        listerWatcher: listerWatcherFor(client, {
          type: configMapType,
          namespace,
          labelSelector: OUTBOX_SELECTOR,
        }),
      },
    ],
  });
  informer.addEventHandler({
    onAdd: (batch) => decodeBatch(batch.data).forEach((record) => stored.add(record.id)),
  });
  informers.push(informer);
  informer.start();
  await informer.waitForSync();
  for (const id of stored) stored.earlier.add(id);
  stored.clear();
  return { stored };
}

const informers: Array<Informer<OutboxConfigMap>> = [];

/** Stops the outbox watches a test file started, after its tests (call at the file's top level). */
export function stopOutboxWatchesAfterAll(): void {
  afterAll(async () => {
    await Promise.all(informers.splice(0).map((informer) => informer.stop()));
  });
}

/**
 * The decision ids the operator processes logged as recorded: their decision log lines (a
 * `decisionId` with the decision's `reason`), written right after the records were stored.
 */
export function loggedDecisions(logFiles: string[]): Set<string> {
  const ids = new Set<string>();
  for (const file of logFiles) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"decisionId"')) continue;
      try {
        const entry = JSON.parse(line) as { decisionId?: string; reason?: string };
        if (entry.decisionId && entry.reason) ids.add(entry.decisionId);
      } catch {
        // The last line of a killed process may be cut off.
      }
    }
  }
  return ids;
}

interface JobItem {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ uid: string }>;
  };
}

/**
 * What the cluster says must be on record for these suites: for every Job its admission
 * (RunAdmitted or FailedOver, by the ids the operator derives), for every suite its round's start
 * and, once over, its end and every finished run's outcome, and for every Event of the operator
 * about them (or about a ProviderPolicy) the decision id it carries. Returns what the receiver
 * lacks (empty: nothing missing) and how much was checked.
 */
export async function missingFromAudit(
  namespace: string,
  suiteNames: string[],
  received: Set<string>,
): Promise<{ missing: string[]; checked: { jobs: number; outcomes: number; events: number } }> {
  const missing: string[] = [];
  const jobs = await kubectlGetJson<{ items: JobItem[] }>(
    ['jobs', '-l', `bench.dev/suite in (${suiteNames.join(',')})`],
    { namespace },
  );
  for (const job of jobs.items) {
    const labels = job.metadata.labels ?? {};
    const uid = job.metadata.ownerReferences?.[0]?.uid;
    const base = `${uid}/r${labels['bench.dev/round']}/${labels['bench.dev/run']}/a${labels['bench.dev/attempt']}`;
    if (!received.has(`${base}/RunAdmitted`) && !received.has(`${base}/FailedOver`))
      missing.push(`Job ${job.metadata.name}: no ${base}/RunAdmitted or FailedOver`);
  }
  let outcomes = 0;
  const suites = await kubectlGetJson<{ items: BenchmarkSuite[] }>(['benchmarksuites', ...suiteNames], {
    namespace,
  });
  // `kubectl get` of one name answers the object itself rather than a list.
  const items = suites.items ?? [suites as unknown as BenchmarkSuite];
  for (const suite of items) {
    const uid = suite.metadata.uid!;
    const status = suite.status ?? {};
    const expected = [`${uid}/r${status.round}/RoundStarted`];
    if (status.completionTime) expected.push(`${uid}/r${status.round}/RoundCompleted`);
    for (const run of status.runs ?? []) {
      if (run.state === 'Succeeded' || run.state === 'Failed' || run.state === 'Blocked')
        expected.push(`${uid}/r${status.round}/${run.name}/a${run.attempt}/Run${run.state}`);
    }
    outcomes += expected.length;
    for (const id of expected) if (!received.has(id)) missing.push(`suite ${suite.metadata.name}: no ${id}`);
  }
  const events = await kubectlGetJson<{
    items: Array<{
      reason?: string;
      regarding?: { kind?: string; name?: string };
      metadata: { annotations?: Record<string, string> };
    }>;
  }>(['events.v1.events.k8s.io'], { namespace });
  const eventIds = events.items.flatMap((e) => {
    const id = e.metadata.annotations?.['bench.dev/decision-id'];
    const about = e.regarding?.kind !== 'BenchmarkSuite' || suiteNames.includes(e.regarding.name ?? '');
    return id && about ? [{ id, reason: e.reason }] : [];
  });
  for (const { id, reason } of eventIds) if (!received.has(id)) missing.push(`Event ${reason}: no ${id}`);
  return { missing, checked: { jobs: jobs.items.length, outcomes, events: eventIds.length } };
}

/**
 * Waits until every record stored in the outbox has reached the receiver and the outbox holds at
 * most one of the operator's batches: the delivery keeps the last delivered batch, so a new
 * leader knows where the sequence continues (docs/audit.md). `foreign`: labelled ConfigMaps the
 * test made itself, which the operator refuses and leaves in place.
 */
export async function waitForDelivery(
  namespace: string,
  receiver: AuditReceiver,
  stored: Set<string>,
  { timeoutMs = 120_000, foreign = [] }: { timeoutMs?: number; foreign?: string[] } = {},
): Promise<void> {
  await waitFor(
    'every record stored in the outbox to have reached the receiver, and at most the last delivered batch to be left',
    async () => {
      const batches = (await outboxBatches(namespace)).filter((name) => !foreign.includes(name));
      const missing = [...stored].filter((id) => !receiver.ids().has(id));
      return {
        done: batches.length <= 1 && missing.length === 0,
        seen: { batches, missing: missing.slice(0, 10), received: receiver.ids().size },
      };
    },
    { timeoutMs },
  );
}

export interface AuditExpectation {
  /** Printed with the numbers. */
  name: string;
  namespace: string;
  /** The suites whose Jobs, statuses and Events are cross-checked. */
  suites: string[];
  receiver: AuditReceiver;
  /** Every record id stored in the outbox (watchOutbox): the decisions taken (those delivered again from an earlier test's batches aside). */
  stored: Set<string>;
  /** The log files of every operator process involved. */
  logFiles: string[];
  /** An operator was killed: it may have stored decisions it did not live to log. */
  killed?: boolean;
}

/**
 * Nothing lost: the ids received are exactly the decisions stored; every decision logged was
 * stored first (and, without a kill, every one stored was logged); every Job, finished run and
 * Event of the suites has its record; no request failed the documented signature check. Prints
 * the numbers.
 */
export async function expectNothingLost(audit: AuditExpectation): Promise<void> {
  const { receiver, stored } = audit;
  const logged = loggedDecisions(audit.logFiles);
  const earlier = stored instanceof StoredRecords ? stored.earlier : new Set<string>();
  const received = new Set([...receiver.ids()].filter((id) => stored.has(id) || !earlier.has(id)));
  console.info(
    `[audit ${audit.name}] records expected (decisions stored in the outbox): ${stored.size} (logged: ${logged.size}), received: ${received.size} distinct ids in ${receiver.records.length} requests, duplicates: ${receiver.duplicates()}, missing: ${[...stored].filter((id) => !received.has(id)).length}, unexpected: ${[...received].filter((id) => !stored.has(id)).length}, rejected as forged: ${receiver.forged}, answered 503: ${receiver.failed}`,
  );
  expect([...received].sort(), 'record ids received = decisions stored').toEqual([...stored].sort());
  expect(
    [...logged].filter((id) => !stored.has(id)),
    'decisions logged but never stored',
  ).toEqual([]);
  if (!audit.killed) expect(logged.size, 'every decision stored was logged').toBe(stored.size);
  const { missing, checked } = await missingFromAudit(audit.namespace, audit.suites, received);
  expect(missing, 'every Job, outcome and Event has its record').toEqual([]);
  expect(checked.jobs).toBeGreaterThan(0);
  expect(checked.events).toBeGreaterThan(0);
  expect(receiver.forged, 'requests the documented verifier rejected').toBe(0);
}
