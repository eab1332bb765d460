import { readFile } from 'node:fs/promises';
import type { DecisionRecord } from '../core/decisions/record.ts';
import type { KubeClient } from '../runtime/client/kube-client.ts';
import { readConfigMapData, readSecretData } from '../config/cluster-sources.ts';
import type { Manager } from '../runtime/manager/manager.ts';
import { BacklogMonitor } from './backlog.ts';
import { OUTBOX_SELECTOR, streamOf } from './batch.ts';
import { OutboxChain } from './chain.ts';
import { resolveAuditConfig, settingsFromConfigMap, type AuditConfig, type AuditFlags } from './config.ts';
import { deliveryReconciler } from './delivery.ts';
import { verifyBatch } from './integrity.ts';
import { IntegrityReport } from './integrity-report.ts';
import { auditMetrics } from './metrics.ts';
import { configMapType, Outbox, type OutboxConfigMap } from './outbox.ts';
import { PendingRecords } from './pending.ts';
import { WebhookSink } from './sender.ts';

const HOLE =
  'a hole in the outbox sequence: deleted by someone other than the delivery, which deletes in sequence order, so most likely before the audit webhook acknowledged their records';

/** Streams delivered at once (one request in flight each). */
const DELIVERY_WORKERS = 16;

/** What the controllers see of the audit trail. */
export interface AuditTrail {
  /** Stores the records of decisions taken together, in one write; throws if they were not stored. */
  append(records: DecisionRecord[]): Promise<void>;
  /** Why runs of the namespace may not be admitted now (the backlog or the namespace's share of it is full), or undefined. */
  hold(namespace: string): string | undefined;
  /** Called when the backlog, or a namespace's share of it, has room again. */
  onRoom(listener: () => void): void;
}

/**
 * Reads the audit configuration: flags over the ConfigMap named by --audit-config, the signing
 * key from its file or Secret (config/rbac grants that name only, as it does the GitHub
 * credentials Secret: the only two Secrets the operator can read). Undefined when auditing is off.
 */
export async function loadAuditConfig(
  flags: AuditFlags,
  client: KubeClient,
  namespace: string,
): Promise<AuditConfig | undefined> {
  const fromConfigMap = flags.configMap
    ? settingsFromConfigMap(
        flags.configMap,
        await readConfigMapData(client, namespace, flags.configMap, 'the audit ConfigMap'),
      )
    : {};
  return resolveAuditConfig(
    { ...fromConfigMap, ...flags.settings },
    {
      namespace,
      readFile: (path) => readFile(path),
      readSecret: async (name, key) => {
        const data = await readSecretData(client, namespace, name, 'the audit signing key Secret');
        const value = data[key];
        if (value === undefined)
          throw new Error(`the audit signing key Secret ${namespace}/${name} has no key "${key}"`);
        return value;
      },
    },
  );
}

/**
 * Wires the audit trail onto the manager: the outbox (ConfigMaps in the operator's namespace,
 * watched by every replica, which deliver only the batches whose MAC matches), the delivery loop
 * (a controller, so it runs on the leader only, and it alone reports gaps in the sequence) and
 * the backlog's and the outbox integrity's metrics and Events.
 */
export function setupAudit(manager: Manager, config: AuditConfig): AuditTrail {
  const logger = manager.logger.child({ controller: 'audit' });
  const pending = new PendingRecords();
  const chain = new OutboxChain();
  const self = { apiVersion: 'v1', kind: 'Pod', namespace: config.namespace, name: manager.options.identity };
  const informer = manager.informer<OutboxConfigMap>({
    type: configMapType,
    namespace: config.namespace,
    labelSelector: OUTBOX_SELECTOR,
  });
  const monitor = new BacklogMonitor({
    pending,
    limit: config.maxBacklog,
    namespaceShare: config.namespaceShare,
    events: manager.events,
    regarding: self,
  });
  const outbox = new Outbox({
    client: manager.client,
    namespace: config.namespace,
    writer: manager.options.identity,
    pending,
    chain,
    signingKey: config.signingKey,
    logger,
    synced: () => informer.waitForSync(),
  });
  const metrics = auditMetrics(manager.registry, pending, config.maxBacklog);
  const report = new IntegrityReport({ events: manager.events, regarding: self, metrics, logger });
  const delivery = manager.controller({
    name: 'audit',
    // Streams (suites) are delivered in parallel, each in order: a webhook far away (tens of ms per
    // request) still keeps up with hundreds of decisions a second.
    workers: DELIVERY_WORKERS,
    reconcile: deliveryReconciler({
      pending,
      sink: new WebhookSink({
        url: config.url,
        ca: config.ca,
        signingKey: config.signingKey,
        timeoutMs: config.timeoutMs,
        source: config.source,
      }),
      outbox,
      monitor,
      metrics,
      sequence: { check: () => chain.gaps().forEach((gap) => report.missing(gap, HOLE)) },
    }),
  });
  const deliver = (streams: string[]) => streams.forEach((stream) => delivery.queue.add(stream));
  informer.addEventHandler({
    onAdd: (configMap) => {
      const name = configMap.metadata.name!;
      const batch = verifyBatch(config.signingKey, configMap);
      if (!batch.verified) {
        // Left in place: it is the evidence of who wrote what, and deleting whatever carries the
        // label would let anyone who can label a ConfigMap have the operator delete it.
        report.refused({ name, uid: configMap.metadata.uid ?? name }, batch.reason, batch.detail);
        return;
      }
      chain.add(name, batch.sequence, batch.records.length === 0);
      deliver(pending.add(name, batch.records));
    },
    onDelete: (configMap, finalStateUnknown) => {
      const name = configMap.metadata.name!;
      report.forget(configMap.metadata.uid ?? name);
      // A deletion found by a relist (after a watch broke) may be older than this replica's lead:
      // the previous leader's, of a batch it delivered. Only the sequence's holes tell then.
      const lost = chain.gone(name, manager.isLeader() && !finalStateUnknown);
      if (lost !== undefined)
        report.missing(
          { from: lost, to: lost },
          `${name} was deleted before the audit webhook acknowledged all its records; they are lost`,
        );
      pending.forget(name);
    },
  });
  logger.info(
    {
      url: `${config.url.origin}${config.url.pathname}`,
      namespace: config.namespace,
      maxBacklog: config.maxBacklog,
      namespaceShare: config.namespaceShare,
      timeoutMs: config.timeoutMs,
      source: config.source,
    },
    'audit webhook configured',
  );
  return {
    async append(records) {
      await outbox.append(records);
      monitor.check();
      deliver([...new Set(records.map(streamOf))]);
    },
    hold: (namespace) => monitor.hold(namespace),
    onRoom: (listener) => monitor.onRoom(listener),
  };
}
