/**
 * The termination message: the run's result as JSON in at most 4096 bytes, Kubernetes' limit for a
 * container's message (a longer one is cut, and a cut JSON is no result). What does not fit is left
 * out the same way every time: the error is shortened, then metrics are kept in a fixed order (the
 * run's own metrics first, in the order below, then the others by name) while they fit, and
 * `metricsDropped` says how many were left out. The per-item outcomes come after the run's own
 * metrics and before the others, whole or not at all (without them two runs compare unpaired). Only finite numbers are written (JSON has no NaN or
 * Infinity, and the operator reads a null as no result at all): a score or token count that is not
 * one is left out, and so is such a metric, counted in `metricsDropped`. The judge's usage, when a
 * judge scored the items, is written whole next to the usage: both are what the providers are charged.
 */
import type { RunResult } from '../evaluate/summary.ts';
import { HEADLINE_METRICS } from '../contract/result.ts';
import type { ShardOutcomes } from '../contract/outcomes.ts';

export const TERMINATION_MESSAGE_LIMIT = 4096;

/** The longest error kept; the per-item results and stderr have the whole story. */
const MAX_ERROR_LENGTH = 512;

/**
 * Metrics kept first when not all fit, most telling first: the contract's headline metrics in their
 * order, but metricsDropped, which is written here.
 */
export const FIRST_METRICS = HEADLINE_METRICS.filter((name) => name !== 'metricsDropped');

export interface TerminationMessageInput extends RunResult {
  /** Why the run failed, when it did. */
  error?: string;
}

function metricOrder(a: string, b: string): number {
  const rank = (name: string) => {
    const index = FIRST_METRICS.indexOf(name);
    return index < 0 ? FIRST_METRICS.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function shorten(error: string): string {
  const chars = [...error];
  return chars.length <= MAX_ERROR_LENGTH ? error : `${chars.slice(0, MAX_ERROR_LENGTH - 1).join('')}…`;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export function terminationMessage(input: TerminationMessageInput): string {
  const head = {
    ...(input.error !== undefined ? { error: shorten(input.error) } : {}),
    ...(finite(input.score) ? { score: input.score } : {}),
  };
  const counts = (tokens: RunResult['usage']) =>
    Object.fromEntries(Object.entries(tokens).filter(([, count]) => finite(count)));
  const usage = {
    usage: counts(input.usage),
    ...(input.judgeUsage ? { judgeUsage: counts(input.judgeUsage) } : {}),
  };
  const names = Object.keys(input.metrics).sort(metricOrder);
  // Room for the metrics and outcomes: the message with neither, and the marker of dropped metrics at its largest.
  const skeleton = JSON.stringify({ ...head, metrics: { metricsDropped: names.length }, ...usage });
  let room = TERMINATION_MESSAGE_LIMIT - bytes(skeleton) - 1;
  const kept: Array<[string, number]> = [];
  let dropped = 0;
  let full = false;
  let outcomes: ShardOutcomes | undefined;
  const keep = (name: string) => {
    const value = input.metrics[name];
    if (!finite(value)) {
      dropped++;
      return;
    }
    // `"name":value,`
    const size = bytes(JSON.stringify(name)) + bytes(JSON.stringify(value)) + 2;
    if (!full && size <= room) {
      kept.push([name, value]);
      room -= size;
    } else {
      full = true;
      dropped++;
    }
  };
  const headline = names.filter((name) => FIRST_METRICS.includes(name));
  headline.forEach(keep);
  // The outcomes before the other metrics: a per-category accuracy is also in the log, the pairing of
  // two runs item by item is nowhere else. `,"outcomes":{...}`
  if (input.outcomes) {
    const size = bytes(JSON.stringify(input.outcomes)) + 12;
    if (size <= room) {
      outcomes = input.outcomes;
      room -= size;
    }
  }
  names.filter((name) => !FIRST_METRICS.includes(name)).forEach(keep);
  if (dropped > 0) kept.push(['metricsDropped', dropped]);
  // fromEntries defines every name as a property, `__proto__` included.
  const metrics = Object.fromEntries(kept);
  return JSON.stringify({ ...head, metrics, ...usage, ...(outcomes ? { outcomes } : {}) });
}
