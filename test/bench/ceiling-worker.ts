// The ceiling of operator-ceiling.ts: a plain loop that server-side-applies a list of rendered
// Jobs through the operator's own client (RestClient + KubeClient.apply) with the operator
// scheduler's concurrency, in a process of its own as the operator is. No informers, no queue, no
// reconcile: what the API server and the client can do, which the operator's rate is compared to.
//
//   node test/bench/ceiling-worker.ts <jobs.json>     (KUBECONFIG: the cluster)
//
// Prints `ready` once connected, starts on SIGUSR1, prints one JSON line when done ({"startedAt",
// "finishedAt", "created", "failed", "concurrency", "requests"}) and exits on the next SIGUSR1 (or
// at once, with 1, when a Job was not created).
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
/** Waits for SIGUSR1: the harness samples every process's CPU before it says go, and after it has seen every Job. */
async function signalled(): Promise<void> {
  // A signal listener alone does not keep the process alive: the interval does, until the signal.
  const alive = setInterval(() => undefined, 60_000);
  await new Promise((resolve) => process.once('SIGUSR1', resolve));
  clearInterval(alive);
}
const go = signalled();
process.stdout.write('ready\n');
await go;

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
// A Job not created is a ceiling not measured: the harness stops waiting for it.
if (failed > 0) process.exit(1);
await signalled();
