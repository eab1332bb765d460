// The BenchmarkRound records of a suite, as benchctl history, results and export read them.
import { benchmarkRoundType } from '../controllers/resources.ts';
import { LABELS } from '../core/render/labels.ts';
import type { KubeObject } from '../runtime/client/resource.ts';
import { fromCluster, type Cluster } from './cluster.ts';
import type { RoundRecord } from './round-results.ts';

/** The suite's records in the cluster's namespace: those labelled with its name, in any order. */
export async function suiteRecords(
  cluster: Cluster,
  suite: string,
): Promise<Array<KubeObject & RoundRecord>> {
  const records = await fromCluster(cluster, 'BenchmarkRounds', () =>
    cluster.client.list<KubeObject & RoundRecord>(benchmarkRoundType, {
      namespace: cluster.namespace,
      labelSelector: `${LABELS.suite}=${suite}`,
    }),
  );
  return records.items;
}
