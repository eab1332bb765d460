import { Counter, Gauge, type Registry } from 'prom-client';
import type { CommitState } from '../core/gitops/commit-status.ts';
import type { StatusOutbox } from './status-outbox.ts';

/** What became of a commit status. */
export type StatusResult = 'created' | 'rejected' | 'failed' | 'dropped' | 'not_allowed';

const STATES: CommitState[] = ['pending', 'success', 'failure', 'error'];
const RESULTS: StatusResult[] = ['created', 'rejected', 'failed', 'dropped', 'not_allowed'];

export interface CommitStatusMetrics {
  counted(state: CommitState, result: StatusResult): void;
}

/**
 * bench_github_statuses_total{state, result}: commit statuses by state and what became of them
 * (created: GitHub accepted it; rejected: GitHub refused it, 4xx, not retried; failed: retried
 * until given up; dropped: pushed out of a full outbox by newer ones; not_allowed: its repository,
 * named by the suite's annotation, is not among the allowed ones, and nothing was sent).
 * bench_github_statuses_waiting: statuses not yet created (the leader's; 0 on a standby). 20 + 1 series.
 */
export function commitStatusMetrics(registry: Registry, outbox: StatusOutbox): CommitStatusMetrics {
  const statuses = new Counter({
    name: 'bench_github_statuses_total',
    help: 'GitHub commit statuses by state and result: created, rejected (4xx, not retried), failed (given up after retries), dropped (outbox full), not_allowed (repository not allowed, not sent).',
    labelNames: ['state', 'result'],
    registers: [registry],
  });
  for (const state of STATES) for (const result of RESULTS) statuses.inc({ state, result }, 0);
  new Gauge({
    name: 'bench_github_statuses_waiting',
    help: 'GitHub commit statuses waiting to be created.',
    registers: [registry],
    collect() {
      this.set(outbox.size());
    },
  });
  return { counted: (state, result) => statuses.inc({ state, result }) };
}
