import type { SchedulePolicy } from '../../api/v1alpha1/index.ts';

/** The label that puts a Job in a Kueue LocalQueue of its namespace (Kueue's own name for it). */
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';

/**
 * What a Job needs for Kueue to admit it, when its SchedulePolicy names a LocalQueue: the queue
 * label, and `suspend: true`, so that no pod starts before Kueue finds quota and unsuspends the Job
 * (Kueue's webhook would suspend it too; created suspended, the Job does not depend on the webhook
 * being there). The operator's caps have already admitted the run: Kueue is a second gate.
 */
export function kueueJobFields(policy: Pick<SchedulePolicy, 'spec'>['spec'] | undefined): {
  labels: Record<string, string>;
  suspend?: true;
} {
  const queue = policy?.kueue?.localQueueName;
  return queue ? { labels: { [KUEUE_QUEUE_LABEL]: queue }, suspend: true } : { labels: {} };
}
