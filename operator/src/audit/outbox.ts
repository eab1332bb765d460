import type { Logger } from 'pino';
import type { DecisionRecord } from '../core/decisions/record.ts';
import { LABELS, MANAGED_BY } from '../core/render/labels.ts';
import { isAlreadyExists, isNotFound } from '../runtime/client/errors.ts';
import type { KubeClient } from '../runtime/client/kube-client.ts';
import type { KubeObject } from '../runtime/client/resource.ts';
import { configMapType } from '../config/cluster-sources.ts';
import { batchName, encodeBatches, OUTBOX_LABEL, RECORDS_KEY } from './batch.ts';
import type { OutboxChain } from './chain.ts';
import { batchMac, MAC_ANNOTATION, WRITER_ANNOTATION } from './integrity.ts';
import type { PendingRecords } from './pending.ts';

// Re-exported: the outbox's objects are ConfigMaps.
export { configMapType };

export type OutboxConfigMap = KubeObject & { data?: Record<string, string>; immutable?: boolean };

export interface OutboxOptions {
  client: KubeClient;
  /** The operator's own namespace. */
  namespace: string;
  /** This replica (pod name): part of batch names. */
  writer: string;
  pending: PendingRecords;
  /** The sequence: new batches continue it; delivered ones leave it in order. */
  chain: OutboxChain;
  /** The audit signing key: each batch carries its MAC with it (integrity.ts). */
  signingKey: Buffer;
  logger: Logger;
  /** Resolves once the outbox informer has listed, so new batches continue after everything there. */
  synced: () => Promise<void>;
}

/**
 * The audit outbox: decision records stored in ConfigMaps in the operator's namespace before the
 * decisions take effect, until the sink has acknowledged them. One write (one immutable ConfigMap
 * per 512 KiB) holds at least everything a controller decided in one go, e.g. a whole scheduling
 * pass. Each batch has the next number of one contiguous sequence and a MAC (integrity.ts); the
 * delivery loop deletes batches in sequence order once the sink has acknowledged all their
 * records, keeping the last delivered one (chain.ts).
 */
export class Outbox {
  private readonly options: OutboxOptions;
  /** Delivered batches to delete, in sequence order (chain.ts hands them out in that order). */
  private readonly removals: string[] = [];
  private removing: Promise<void> = Promise.resolve();
  private readonly waiting: Array<{
    records: DecisionRecord[];
    resolve: () => void;
    reject: (error: unknown) => void;
  }> = [];
  private writing = false;
  private lastSequence = 0;

  constructor(options: OutboxOptions) {
    this.options = options;
  }

  /**
   * Stores the records in order; resolves once they are in the API (throws if they are not).
   * Appends made while a write is in flight are written together by the next one (group commit,
   * as databases do with their log): under load, the scheduler and the suite reconcilers share
   * writes instead of each paying one. A caller's records stay together and in order.
   */
  append(records: DecisionRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ records, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        await this.write(group.flatMap((append) => append.records));
        for (const append of group) append.resolve();
      } catch (error) {
        for (const append of group) append.reject(error);
      }
    }
    this.writing = false;
  }

  private async write(records: DecisionRecord[]): Promise<void> {
    await this.options.synced();
    const { namespace, writer, signingKey } = this.options;
    for (const batch of encodeBatches(records)) {
      const sequence = Math.max(this.lastSequence, this.options.chain.highestSequence) + 1;
      const name = batchName(sequence, writer);
      const mac = batchMac(signingKey, { namespace, name, sequence, writer, text: batch.text });
      // A create that fails (or times out, having perhaps succeeded) fails the caller's decisions,
      // which are taken again with the same ids and written under a new name: a duplicate at
      // worst, never a loss. A sequence is used up only by a batch that exists (created, or
      // AlreadyExists: an earlier try that timed out went through), so the sequence has no holes.
      try {
        await this.options.client.create<OutboxConfigMap>(configMapType, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name,
            namespace,
            labels: { [LABELS.managedBy]: MANAGED_BY, [OUTBOX_LABEL]: 'true' },
            annotations: { [WRITER_ANNOTATION]: writer, [MAC_ANNOTATION]: mac },
          },
          immutable: true,
          data: { [RECORDS_KEY]: batch.text },
        });
      } catch (error) {
        if (isAlreadyExists(error)) this.lastSequence = sequence;
        throw error;
      }
      this.lastSequence = sequence;
      this.options.chain.add(name, sequence);
      this.options.pending.add(name, batch.records);
    }
  }

  /** The sink acknowledged every record of the batch: deletes what the sequence lets go (chain.ts). */
  delivered(batch: string): Promise<void> {
    this.removals.push(...this.options.chain.delivered(batch));
    return this.removeInOrder();
  }

  /** Deletes what a failure left waiting, in order. */
  retryRemovals(): Promise<void> {
    return this.removeInOrder();
  }

  /**
   * One deletion at a time, in sequence order, stopping at the first failure: were a later batch
   * deleted while an earlier one stayed (a failed or slower delete, the delivery's parallel
   * workers), every replica would see a hole in the run and report batches missing that were
   * delivered (chain.ts). Each call queues a pass after the one in progress.
   */
  private removeInOrder(): Promise<void> {
    this.removing = this.removing.then(() => this.removeAll());
    return this.removing;
  }

  private async removeAll(): Promise<void> {
    while (this.removals.length > 0 && (await this.remove(this.removals[0]!))) this.removals.shift();
  }

  /** Deletes a delivered batch; false when it is still there (retried, in order, by retryRemovals). */
  private async remove(batch: string): Promise<boolean> {
    try {
      await this.options.client.delete(configMapType, this.options.namespace, batch);
      return true;
    } catch (error) {
      if (isNotFound(error)) return true;
      this.options.logger.warn({ err: error, batch }, 'could not delete a delivered audit batch; will retry');
      return false;
    }
  }
}
