// The ceiling of operator-throughput.ts: a plain loop that server-side-applies a list of rendered
// Jobs through the operator's own client (RestClient + KubeClient.apply) with the operator
// scheduler's concurrency, in a process of its own as the operator is. No informers, no queue, no
// reconcile: what the API server and the client can do, which the operator's rate is compared to.
//
//   node test/bench/ceiling-worker.ts <jobs.json>     (KUBECONFIG: the cluster)
//
// Prints one JSON line: {"startedAt", "finishedAt", "created", "failed", "concurrency", "requests"}.
import { readFileSync } from 'node:fs';
import type { V1Job } from '@kubernetes/client-node';
import { CREATE_CONCURRENCY } from '../../operator/src/controllers/scheduler/reconciler.ts';
import { jobType } from '../../operator/src/controllers/resources.ts';
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import pLimit from 'p-limit';
import { benchClient, now } from './support.ts';

const jobs = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as V1Job[];
const { client, registry } = await benchClient(process.env.KUBECONFIG);
// Warm the connection pool as the operator's informers have by the time it creates Jobs.
await client.list(jobType, { namespace: jobs[0]!.metadata!.namespace!, limit: 1 });

let failed = 0;
const startedAt = now();
await pLimit(CREATE_CONCURRENCY).map(jobs, async (job) => {
  try {
    await client.apply(jobType, job as KubeObject);
  } catch (error) {
    failed++;
    process.stderr.write(`apply ${job.metadata!.name}: ${String(error)}\n`);
  }
});
const finishedAt = now();
const { values } = await registry.getSingleMetric('rest_client_requests_total')!.get();
const requests = values.reduce((sum, v) => sum + v.value, 0);
process.stdout.write(
  `${JSON.stringify({ startedAt, finishedAt, created: jobs.length - failed, failed, concurrency: CREATE_CONCURRENCY, requests })}\n`,
);
