// The audit outbox guards its integrity against whoever else may write ConfigMaps in the
// operator's namespace: (a) a labelled ConfigMap the operator did not write (no MAC, or a MAC
// copied onto other records) is refused: never delivered, reported once with a Warning Event and a
// metric, left in place, while delivery goes on; (b) a batch deleted with kubectl before delivery
// is reported as missing, by the leader that sees it go and by a standby that finds the hole when
// it takes over, while the rest is delivered and the batches delivered and deleted (which the
// standby saw go) are never taken for gaps.
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  expectNothingLost,
  stopOutboxWatchesAfterAll,
  waitForDelivery,
  watchOutbox,
} from '../support/audit-check.ts';
import {
  createSigningKey,
  metricValue,
  outboxObjects,
  recordIds,
  startAuditedOperator,
  type OutboxObject,
} from '../support/audit-operator.ts';
import { AuditReceiver, closeReceiversAfterAll } from '../support/audit-receiver.ts';
import { auditRecord } from '../support/audit-records.ts';
import { eventsFor, type ObservedEvent } from '../support/events.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { stopOperatorsAfterAll, type OperatorProcess } from '../support/operator.ts';
import { applyHealthyProvider, waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('audit-integrity');
stopOperatorsAfterAll();
closeReceiversAfterAll();
stopOutboxWatchesAfterAll();
let key = '';
beforeAll(async () => {
  key = await createSigningKey(namespace());
  await applyHealthyProvider(namespace(), 2);
});

function suite(name: string, runs: number): string {
  return stringify({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0', resources: { requests: { cpu: '10m' } } },
      targets: [{ name: 't', providerRef: 'solo', model: 'm' }],
      benchmarks: Array.from({ length: runs }, (_, i) => ({ name: `b${i}` })),
    },
  });
}

/** A ConfigMap labelled as an outbox batch, as anyone allowed to write ConfigMaps can make one. */
function labelledConfigMap(name: string, ids: string[], annotations: Record<string, string> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      labels: { 'app.kubernetes.io/managed-by': 'bench-operator', 'bench.dev/audit-outbox': 'true' },
      annotations,
    },
    data: { 'records.jsonl': ids.map((id) => JSON.stringify(auditRecord(id))).join('\n') },
  });
}

const sequenceOf = (batch: OutboxObject) => Number(/^bench-audit-(\d+)-/.exec(batch.metadata.name)![1]);

/** Waits for the operator's Warning Events of `reason` to satisfy `done`. */
function operatorEvents(
  operator: OperatorProcess,
  ns: string,
  reason: string,
  expected: string,
  done: (events: ObservedEvent[]) => boolean,
): Promise<ObservedEvent[]> {
  return waitFor(expected, async () => {
    const events = (await eventsFor('Pod', operator.identity, ns)).filter((e) => e.reason === reason);
    return { done: done(events), value: events, seen: events };
  });
}

/** Waits until the outbox holds at least `count` ConfigMaps (the sink is down: batches wait). */
function waitForBatches(ns: string, count: number): Promise<OutboxObject[]> {
  return waitFor(`at least ${count} batches waiting in the outbox while the sink is down`, async () => {
    const batches = await outboxObjects(ns);
    return { done: batches.length >= count, value: batches, seen: batches.map((b) => b.metadata.name) };
  });
}

describe('audit outbox integrity', () => {
  it('refuses labelled ConfigMaps the operator did not write: never delivered, reported once, left in place', async () => {
    const ns = namespace();
    const receiver = await AuditReceiver.start(key);
    const { stored } = await watchOutbox(ns);
    const operator = startAuditedOperator(ns, receiver.url, { identity: `audit-foreign-${ns}` });
    await kubectlApply(suite('honest', 3), { namespace: ns });
    await waitForSuite(ns, 'honest', (s) => s.phase === 'Succeeded', 90_000);
    await waitForDelivery(ns, receiver, stored);

    // One with no MAC, and one with the MAC of the batch the operator kept, copied onto other records.
    const [kept] = await outboxObjects(ns);
    expect(kept?.metadata.annotations?.['bench.dev/audit-mac'], 'the operator signs its batches').toMatch(
      /^[0-9a-f]{64}$/,
    );
    const unsigned = 'bench-audit-0000000000000900-abcdef';
    const copied = 'bench-audit-0000000000000901-abcdef';
    await kubectlApply(
      [
        labelledConfigMap(unsigned, ['forged-1', 'forged-2']),
        labelledConfigMap(copied, ['forged-3'], kept!.metadata.annotations),
      ].join('---\n'),
      { namespace: ns },
    );
    const refusals = await operatorEvents(
      operator,
      ns,
      'AuditBatchRefused',
      'a Warning Event AuditBatchRefused on the operator for each ConfigMap',
      (events) => events.length === 2,
    );
    expect(refusals.map((e) => e.type)).toEqual(['Warning', 'Warning']);
    expect(refusals.find((e) => e.note.includes(unsigned))?.note).toContain(
      '(unsigned): it has no bench.dev/audit-mac annotation',
    );
    expect(refusals.find((e) => e.note.includes(copied))?.note).toContain('(mismatch)');
    expect(await metricValue(operator, 'bench_audit_batches_refused_total{reason="unsigned"}')).toBe(1);
    expect(await metricValue(operator, 'bench_audit_batches_refused_total{reason="mismatch"}')).toBe(1);

    // Delivery goes on around them, and they are not reported again on every turn.
    await kubectlApply(suite('after', 3), { namespace: ns });
    await waitForSuite(ns, 'after', (s) => s.phase === 'Succeeded', 90_000);
    const genuine = new Set([...stored].filter((id) => !id.startsWith('forged-')));
    expect(genuine.size).toBe(stored.size - 3);
    await waitForDelivery(ns, receiver, genuine, { foreign: [unsigned, copied] });
    expect(
      [...receiver.ids()].filter((id) => id.startsWith('forged-')),
      'forged records delivered',
    ).toEqual([]);
    await expectNothingLost({
      name: 'foreign ConfigMaps',
      namespace: ns,
      suites: ['honest', 'after'],
      receiver,
      stored: genuine,
      logFiles: [operator.logFile],
    });
    expect(await metricValue(operator, 'bench_audit_batches_refused_total{reason="unsigned"}')).toBe(1);
    expect(await metricValue(operator, 'bench_audit_batches_refused_total{reason="mismatch"}')).toBe(1);
    const again = (await eventsFor('Pod', operator.identity, ns)).filter(
      (e) => e.reason === 'AuditBatchRefused',
    );
    expect(again.map((e) => e.count)).toEqual([1, 1]);
    const left = await kubectlGetJson<{ items: unknown[] }>(['configmaps', unsigned, copied], {
      namespace: ns,
    });
    expect(left.items, 'the refused ConfigMaps are left for inspection').toHaveLength(2);
    expect(await operator.stop()).toBe(0);
    await kubectl(['delete', 'configmap', unsigned, copied], { namespace: ns });
  });

  it('reports a batch deleted before delivery as missing, to the leader that sees it go and to the standby that finds the hole when it takes over', async () => {
    const ns = namespace();
    const receiver = await AuditReceiver.start(key, 'refusing');
    const { stored } = await watchOutbox(ns);
    const first = startAuditedOperator(ns, receiver.url, {
      identity: `audit-gap-1-${ns}`,
      leaderElection: true,
    });
    await kubectlApply(suite('gappy', 4), { namespace: ns });

    // The sink is down; the leader writes batches that wait. A second replica starts, as a standby
    // that watches the outbox; a batch in the middle of those waiting is deleted by hand.
    const waiting = await waitForBatches(ns, 3);
    const second = startAuditedOperator(ns, receiver.url, {
      identity: `audit-gap-2-${ns}`,
      leaderElection: true,
    });
    await waitFor('the standby to serve its metrics', async () => {
      const value = await metricValue(second, 'bench_audit_batches_missing_total');
      return { done: value === 0, seen: value };
    });
    const victim = waiting[1]!;
    const lost = new Set(recordIds(victim));
    await kubectl(['delete', 'configmap', victim.metadata.name], { namespace: ns });
    const [seen] = await operatorEvents(
      first,
      ns,
      'AuditBatchesMissing',
      `a Warning Event AuditBatchesMissing naming the deleted batch ${victim.metadata.name}`,
      (events) => events.length > 0,
    );
    expect(seen!.note).toContain(
      `sequence ${sequenceOf(victim)} missing: ${victim.metadata.name} was deleted`,
    );
    expect(await metricValue(first, 'bench_audit_batches_missing_total')).toBe(1);

    // The sink is back: everything else arrives; the batches delivered and deleted are no gaps.
    await receiver.setMode('up');
    await waitForSuite(ns, 'gappy', (s) => s.phase === 'Succeeded', 90_000);
    await waitForDelivery(ns, receiver, new Set([...stored].filter((id) => !lost.has(id))));
    expect(await metricValue(first, 'bench_audit_batches_missing_total')).toBe(1);

    // The sink is down again; the oldest batch waiting is deleted by hand, and the leader stops.
    // The batch the delivery kept is still before it, so the standby, taking over, finds the hole;
    // the batches the leader delivered and deleted while it watched are no gaps to it.
    const kept = await outboxObjects(ns);
    expect(
      kept.map((b) => b.metadata.name),
      'the delivery keeps the last delivered batch, where the sequence continues',
    ).toHaveLength(1);
    await receiver.setMode('refusing');
    await kubectlApply(suite('later', 4), { namespace: ns });
    await waitForBatches(ns, 4);
    const [oldest, ...rest] = (await outboxObjects(ns)).filter(
      (b) => b.metadata.name !== kept[0]!.metadata.name,
    );
    expect(sequenceOf(oldest!), 'the oldest batch waiting follows the kept one').toBe(
      sequenceOf(kept[0]!) + 1,
    );
    const lostLater = new Set(recordIds(oldest!));
    await kubectl(['delete', 'configmap', oldest!.metadata.name], { namespace: ns });
    await waitFor('the leader to count the second deleted batch', async () => {
      const value = await metricValue(first, 'bench_audit_batches_missing_total');
      return { done: value === 2, seen: value };
    });
    expect(await first.stop()).toBe(0);
    const [found, ...more] = await operatorEvents(
      second,
      ns,
      'AuditBatchesMissing',
      `the new leader's Warning Event AuditBatchesMissing naming sequence ${sequenceOf(oldest!)}`,
      (events) => events.length > 0,
    );
    expect(found!.note).toContain(`sequence ${sequenceOf(oldest!)} missing: a hole in the outbox sequence`);
    expect(more).toEqual([]);
    await receiver.setMode('up');
    await waitForSuite(ns, 'later', (s) => s.phase === 'Succeeded', 90_000);
    const delivered = () => new Set([...stored].filter((id) => !lost.has(id) && !lostLater.has(id)));
    await waitForDelivery(ns, receiver, delivered());
    expect(await metricValue(second, 'bench_audit_batches_missing_total'), 'one hole, no other gap').toBe(1);
    // The new leader continues the sequence after the batches it found.
    await kubectlApply(suite('final', 2), { namespace: ns });
    await waitForSuite(ns, 'final', (s) => s.phase === 'Succeeded', 90_000);
    await waitForDelivery(ns, receiver, delivered());
    const last = (await outboxObjects(ns)).map(sequenceOf);
    expect(last, 'the last delivered batch, written by the new leader').toHaveLength(1);
    expect(last[0]).toBeGreaterThan(Math.max(...rest.map(sequenceOf)));
    expect(await metricValue(second, 'bench_audit_batches_missing_total')).toBe(1);
    expect(receiver.forged).toBe(0);
    expect(await second.stop()).toBe(0);
  });
});
