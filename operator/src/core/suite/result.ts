/** A run's result as the runner reports it in its termination message (docs/runner-contract.md). */
export interface RunResult {
  score?: number;
  metrics?: Record<string, number>;
  usage?: { inputTokens?: number; outputTokens?: number };
}

export type ParsedResult = { ok: true; result: RunResult } | { ok: false; error: string };

const MAX_QUOTED = 80;

/**
 * Reads a termination message as a run result. Anything else (no message, not JSON, wrong types)
 * is reported as an error message for the run's status, never thrown: a runner's bad output must
 * not break the reconcile of the whole suite.
 */
export function parseRunResult(message: string): ParsedResult {
  const text = message.trim();
  if (!text) return { ok: false, error: 'the runner wrote no result to its termination message' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: `the runner's termination message is not JSON: ${quote(text)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: `the runner's result is not a JSON object: ${quote(text)}` };
  }
  const raw = value as Record<string, unknown>;
  const result: RunResult = {};
  if (raw.score !== undefined) {
    if (typeof raw.score !== 'number' || !Number.isFinite(raw.score)) {
      return { ok: false, error: `the runner's result has a score that is not a number: ${quote(text)}` };
    }
    result.score = raw.score;
  }
  if (raw.metrics !== undefined) {
    const metrics = numberRecord(raw.metrics);
    if (!metrics)
      return { ok: false, error: `the runner's result has metrics that are not numbers: ${quote(text)}` };
    result.metrics = metrics;
  }
  if (raw.usage !== undefined) {
    const usage = numberRecord(raw.usage);
    if (!usage)
      return { ok: false, error: `the runner's result has usage that is not numbers: ${quote(text)}` };
    result.usage = {
      ...(usage.inputTokens !== undefined ? { inputTokens: usage.inputTokens } : {}),
      ...(usage.outputTokens !== undefined ? { outputTokens: usage.outputTokens } : {}),
    };
  }
  return { ok: true, result };
}

/** The runner's count of the items its score is over (docs/runner-contract.md, Result). */
const SCORED_ITEMS_METRIC = 'answeredItems';

function average(values: number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

/**
 * The shards' scores, each weighted by the items it is over, so that a shard with few items does
 * not count as much as one with many; the plain average when a scored shard does not say its count.
 */
function combinedScore(results: RunResult[]): number | undefined {
  const scored = results.filter((r) => r.score !== undefined);
  const weights = scored.map((r) => r.metrics?.[SCORED_ITEMS_METRIC]);
  const total = weights.reduce<number>((sum, w) => sum + (w ?? 0), 0);
  if (total > 0 && weights.every((w) => w !== undefined && w >= 0)) {
    return scored.reduce((sum, r, i) => sum + r.score! * weights[i]!, 0) / total;
  }
  return average(scored.map((r) => r.score!));
}

/**
 * Shards of one run: the score weighted by each shard's answered items (see combinedScore), other
 * metrics averaged, usage added up.
 */
export function combineResults(results: RunResult[]): RunResult {
  if (results.length === 1) return results[0]!;
  const combined: RunResult = {};
  const score = combinedScore(results);
  if (score !== undefined) combined.score = score;
  const metricNames = new Set(results.flatMap((r) => Object.keys(r.metrics ?? {})));
  if (metricNames.size) {
    combined.metrics = {};
    for (const name of metricNames) {
      combined.metrics[name] = average(
        results.flatMap((r) => (r.metrics?.[name] === undefined ? [] : [r.metrics[name]!])),
      )!;
    }
  }
  const sum = (pick: (r: RunResult) => number | undefined): number =>
    results.reduce((total, r) => total + (pick(r) ?? 0), 0);
  if (results.some((r) => r.usage)) {
    combined.usage = {
      inputTokens: sum((r) => r.usage?.inputTokens),
      outputTokens: sum((r) => r.usage?.outputTokens),
    };
  }
  return combined;
}

function numberRecord(value: unknown): Record<string, number> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([, v]) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  return Object.fromEntries(entries) as Record<string, number>;
}

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}
