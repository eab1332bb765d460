/**
 * How long a status waits to gather the events of the runs it counts (the Job controller's batch
 * period): a suite's Jobs and Pods change in bursts (created together, finishing together), and
 * batched, each burst costs one status write instead of one per event.
 */
export const RUN_EVENT_BATCH_MS = 1000;
