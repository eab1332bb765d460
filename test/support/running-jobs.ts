import { afterAll } from 'vitest';
import { jobType } from '../../operator/src/controllers/resources.ts';
import { observeAttempt, type JobView } from '../../operator/src/core/suite/observe.ts';
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import { Informer } from '../../operator/src/runtime/informer/informer.ts';
import { listerWatcherFor } from '../../operator/src/runtime/informer/lister-watcher.ts';
import { runtimeClient, testLogger } from './runtime.ts';

export interface RunningJobs {
  /** The most Jobs running at once, sampled at every change. */
  peak: number;
  samples: number;
}

const watching: Array<Informer<KubeObject & JobView>> = [];

/** Stops, after the calling file's tests, the watches watchRunningJobs started. */
export function stopRunningJobWatchesAfterAll(): void {
  afterAll(() => Promise.all(watching.splice(0).map((jobs) => jobs.stop())));
}

/** Watches the namespace's Jobs from now on (synced before it returns) and keeps the most running at once. */
export async function watchRunningJobs(namespace: string): Promise<RunningJobs> {
  const { client } = await runtimeClient();
  const jobs = new Informer<KubeObject & JobView>({
    name: 'capacity-watcher',
    logger: testLogger(),
    sources: [{ namespace, listerWatcher: listerWatcherFor(client, { type: jobType, namespace }) }],
  });
  watching.push(jobs);
  const seen: RunningJobs = { peak: 0, samples: 0 };
  const sample = () => {
    seen.samples++;
    const running = jobs.store.list().filter((j) => observeAttempt(j, []).phase === 'Active').length;
    seen.peak = Math.max(seen.peak, running);
  };
  jobs.addEventHandler({ onAdd: sample, onUpdate: sample, onDelete: sample });
  jobs.start();
  await jobs.waitForSync();
  return seen;
}
