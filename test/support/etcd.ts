import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/** The local cluster's etcd client URL, read from the KWOK cluster config the testenv writes. */
function etcdUrl(): string {
  const cluster = process.env.CLUSTER_NAME ?? 'bench';
  const config = readFileSync(
    path.join(repoRoot, '.cache/testenv/kwok/clusters', cluster, 'kwok.yaml'),
    'utf8',
  );
  const match = /--etcd-servers=(\S+)/.exec(config);
  if (!match?.[1]) throw new Error('no --etcd-servers in the KWOK cluster config');
  return match[1].split(',')[0] as string;
}

/**
 * Compacts etcd's history up to now, as the API server does every 5 minutes on a long-running
 * cluster. A fresh test cluster has not compacted yet and would replay any old resourceVersion;
 * after this, watching from one answers 410 Gone, the real signal a relist is needed.
 */
export async function compactEtcd(): Promise<void> {
  const base = etcdUrl();
  const head = (await (
    await fetch(`${base}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: 'AA==', limit: 1, keys_only: true }),
    })
  ).json()) as { header: { revision: string } };
  const response = await fetch(`${base}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: head.header.revision, physical: true }),
  });
  if (!response.ok) throw new Error(`etcd compaction failed: ${response.status} ${await response.text()}`);
}
