import { readFileSync } from 'node:fs';
import type { BenchmarkSuite } from '../../operator/src/api/v1alpha1/index.ts';
import { kubectlGetJson } from './kubectl.ts';
import type { AuditReceiver } from './audit-receiver.ts';

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
    const uid = suite.metadata!.uid!;
    const status = suite.status ?? {};
    const expected = [`${uid}/r${status.round}/RoundStarted`];
    if (status.completionTime) expected.push(`${uid}/r${status.round}/RoundCompleted`);
    for (const run of status.runs ?? []) {
      if (run.state === 'Succeeded' || run.state === 'Failed' || run.state === 'Blocked')
        expected.push(`${uid}/r${status.round}/${run.name}/a${run.attempt}/Run${run.state}`);
    }
    outcomes += expected.length;
    for (const id of expected) if (!received.has(id)) missing.push(`suite ${suite.metadata!.name}: no ${id}`);
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

/** The loss test's numbers, printed so they can be quoted. */
export function reportAudit(name: string, expected: Set<string>, receiver: AuditReceiver): void {
  console.info(
    `[audit ${name}] records expected (decisions logged): ${expected.size}, received: ${receiver.ids().size} distinct ids in ${receiver.records.length} requests, duplicates: ${receiver.duplicates()}, missing: ${[...expected].filter((id) => !receiver.ids().has(id)).length}, unexpected: ${[...receiver.ids()].filter((id) => !expected.has(id)).length}, rejected as forged: ${receiver.forged}, answered 503: ${receiver.failed}`,
  );
}
