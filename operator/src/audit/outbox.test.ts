import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../../test/support/audit-records.ts';
import { ApiError } from '../runtime/client/errors.ts';
import type { KubeClient } from '../runtime/client/kube-client.ts';
import { batchName, sequenceOf } from './batch.ts';
import { OutboxChain } from './chain.ts';
import { verifyBatch } from './integrity.ts';
import { Outbox, type OutboxConfigMap } from './outbox.ts';
import { PendingRecords } from './pending.ts';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

/** An API that answers creates with the next of `failures` (then success), and records what it got. */
function api(failures: ApiError[] = []) {
  const created: OutboxConfigMap[] = [];
  const deleted: string[] = [];
  const client = {
    create: (_type: unknown, object: OutboxConfigMap) => {
      const failure = failures.shift();
      if (failure) return Promise.reject(failure);
      created.push(object);
      return Promise.resolve(object);
    },
    delete: (_type: unknown, _namespace: string, name: string) => {
      deleted.push(name);
      return Promise.resolve();
    },
  } as unknown as KubeClient;
  return { client, created, deleted };
}

function outbox(client: KubeClient, chain = new OutboxChain()) {
  const pending = new PendingRecords();
  const box = new Outbox({
    client,
    namespace: 'ops',
    writer: 'pod-a',
    pending,
    chain,
    signingKey: KEY,
    logger: pino({ level: 'silent' }),
    synced: async () => {},
  });
  return { box, chain, pending };
}

describe('the outbox', () => {
  it('writes signed batches, numbered on from the highest batch written or seen', async () => {
    const { client, created } = api();
    const chain = new OutboxChain();
    chain.add(batchName(41, 'pod-b'), 41);
    const { box, pending } = outbox(client, chain);
    await box.append([auditRecord('a')]);
    await box.append([auditRecord('b')]);
    expect(created.map((c) => sequenceOf(c.metadata.name!))).toEqual([42, 43]);
    expect(created.map((c) => verifyBatch(KEY, c))).toMatchObject([
      { verified: true, sequence: 42, writer: 'pod-a', records: [auditRecord('a')] },
      { verified: true, sequence: 43, writer: 'pod-a', records: [auditRecord('b')] },
    ]);
    expect(pending.size).toBe(2);
    expect(chain.highestSequence).toBe(43);
  });

  it('uses a number up only for a batch that exists, so the sequence has no holes of its own', async () => {
    const unavailable = new ApiError(503, 'POST', '/api/v1/namespaces/ops/configmaps', {});
    const exists = new ApiError(409, 'POST', '/api/v1/namespaces/ops/configmaps', {
      reason: 'AlreadyExists',
    });
    const { client, created } = api([unavailable, exists]);
    const { box } = outbox(client);
    await expect(box.append([auditRecord('a')])).rejects.toBe(unavailable);
    // The first try timed out but went through: that number is taken.
    await expect(box.append([auditRecord('a')])).rejects.toBe(exists);
    await box.append([auditRecord('a')]);
    expect(created.map((c) => sequenceOf(c.metadata.name!))).toEqual([2]);
  });

  it('deletes delivered batches in sequence order, keeping the last delivered one', async () => {
    const { client, created, deleted } = api();
    const { box } = outbox(client);
    for (const id of ['a', 'b', 'c']) await box.append([auditRecord(id)]);
    const [first, second, third] = created.map((c) => c.metadata.name!);
    await box.delivered(second!);
    expect(deleted).toEqual([]);
    await box.delivered(first!);
    expect(deleted).toEqual([first]);
    await box.delivered(third!);
    expect(deleted).toEqual([first, second]);
  });

  it('deletes one batch at a time and stops at a failure, so no later batch goes before an earlier one', async () => {
    const { client, created, deleted } = api();
    const failing = new Set<string>();
    const inFlight: string[] = [];
    let overlapped = false;
    const flaky = {
      ...client,
      delete: async (_type: unknown, _namespace: string, name: string) => {
        overlapped ||= inFlight.length > 0;
        inFlight.push(name);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight.splice(inFlight.indexOf(name), 1);
        if (failing.has(name))
          throw new ApiError(503, 'DELETE', `/api/v1/namespaces/ops/configmaps/${name}`, {});
        deleted.push(name);
      },
    } as unknown as KubeClient;
    const { box } = outbox(flaky);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await box.append([auditRecord(id)]);
    const names = created.map((c) => c.metadata.name!);
    failing.add(names[1]!);
    // Two delivery workers finishing batches at once.
    await Promise.all([box.delivered(names[0]!), box.delivered(names[1]!), box.delivered(names[2]!)]);
    expect(deleted, 'nothing after the batch whose delete failed').toEqual([names[0]]);
    await box.delivered(names[3]!);
    expect(deleted, 'still nothing after it').toEqual([names[0]]);
    failing.clear();
    await box.retryRemovals();
    expect(deleted).toEqual([names[0], names[1], names[2]]);
    expect(overlapped, 'two deletes in flight at once').toBe(false);
  });
});
