/**
 * The runner contract's result (docs/runner-contract.md, Result): the JSON a runner writes as its
 * termination message, and the metrics both sides keep first when not all fit (the runner in its
 * 4 KiB message, the operator in a status entry's 32), so that a metric the runner kept is never
 * the one the operator drops.
 */

import type { ItemOutcomes } from './outcomes.ts';

/** A run's result as the operator reads it: every field is optional (another runner may omit it). */
export interface RunResult {
  score?: number;
  metrics?: Record<string, number>;
  /** The target's tokens only. */
  usage?: { inputTokens?: number; outputTokens?: number };
  /** The judge's tokens, when a judge scored the items: charged to the judge's provider. */
  judgeUsage?: { inputTokens?: number; outputTokens?: number };
  /** Which items the run got right (outcomes.ts): the operator keeps them with the round, not in status. */
  outcomes?: ItemOutcomes;
}

/** The runner's count of the items its score is over: the operator weights shard scores by it. */
export const SCORED_ITEMS_METRIC = 'answeredItems';

/**
 * What an attempt reused from a checkpoint instead of asking the provider again (docs/runner-contract.md,
 * Resume): the operator records it as a RunResumed decision.
 */
export const REUSE_METRICS = {
  items: 'reusedItems',
  inputTokens: 'reusedInputTokens',
  outputTokens: 'reusedOutputTokens',
} as const;

/** Metrics that count things: a sharded run's is the sum of its shards' (others are averaged). */
export const COUNT_METRICS: readonly string[] = [
  'items',
  SCORED_ITEMS_METRIC,
  'failedItems',
  'correctItems',
  'retries',
  'metricsDropped',
  ...Object.values(REUSE_METRICS),
];

/**
 * bench-runner's own metrics (docs/runner-contract.md, Output), most telling first: what the run did
 * (interrupted, dropped metrics, counts, items reused from an earlier attempt), how it scored
 * overall, and how fast it was.
 */
export const HEADLINE_METRICS: readonly string[] = [
  'partial',
  'metricsDropped',
  'items',
  SCORED_ITEMS_METRIC,
  'failedItems',
  'correctItems',
  'retries',
  'reusedItems',
  'accuracy',
  'outputTokensPerSecond',
  'timeToFirstTokenP50Ms',
  'latencyP50Ms',
  'latencyP90Ms',
  'latencyP99Ms',
  'timeToFirstTokenP90Ms',
  'timeToFirstTokenP99Ms',
  'requestsPerSecond',
  'throughputTokensPerSecond',
];
