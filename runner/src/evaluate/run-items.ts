/**
 * Sends a shard's items through the request pipeline, `concurrency` at a time, and reports each
 * item's result as it comes. It stops taking new items when the run can no longer succeed (the
 * failure limit, rejected credentials: the requests in flight are cancelled, the outcome is known)
 * or when interrupted (SIGTERM: the requests in flight get `drainTimeoutMs` to finish, then are
 * cancelled). Cancelled items have no result: they were not evaluated.
 */
import type { RequestPipeline } from '../client/pipeline.ts';
import type { DatasetItem } from '../dataset/items.ts';
import { failureLimitReached, noFailures, tallyKind, type FailureTally } from '../outcome/exit-code.ts';
import type { JudgeItem } from '../judge/judge-answer.ts';
import type { CompletionRequest } from '../providers/types.ts';
import { answeredResult, failedResult, type ItemResult } from './item-result.ts';

export interface RunItemsInput {
  items: readonly DatasetItem[];
  pipeline: RequestPipeline;
  request: (item: DatasetItem) => { request: CompletionRequest; estimatedTokens: number };
  concurrency: number;
  maxFailedFraction: number;
  /** Aborted on SIGTERM: no new items. */
  interrupt: AbortSignal;
  drainTimeoutMs: number;
  /** The controller of the pipeline's signal: aborting it rejects every request in flight. */
  cancel: AbortController;
  onResult: (result: ItemResult) => void;
  /** Grades the answers of the items the judge scores, through the judge's own pipeline. */
  judge?: JudgeItem;
  /** Items an earlier attempt answered (by index): not asked again, still counted in the failure limit's share. */
  done?: { has(index: number): boolean };
}

export interface ItemsRun {
  results: ItemResult[];
  failures: FailureTally;
  /** Why the run stopped before its last item, if it did. */
  stopped: 'interrupted' | 'failure-limit' | undefined;
}

/** How long requests may take to reject once cancelled before the run ends without them. */
const CANCEL_GRACE_MS = 2_000;

function delay(ms: number): { promise: Promise<void>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, clear: () => clearTimeout(timer) };
}

export async function runItems(input: RunItemsInput): Promise<ItemsRun> {
  const results: ItemResult[] = [];
  const failures = noFailures();
  let next = 0;
  let stopped: ItemsRun['stopped'];
  const cancelled = () => input.cancel.signal.aborted;

  async function evaluate(item: DatasetItem): Promise<ItemResult | undefined> {
    const { request, estimatedTokens } = input.request(item);
    try {
      const response = await input.pipeline.complete(request, estimatedTokens);
      return answeredResult(item, response, await input.judge?.(item, response));
    } catch (error) {
      if (cancelled() && error === input.cancel.signal.reason) return undefined;
      return failedResult(item, error);
    }
  }

  async function worker(): Promise<void> {
    while (stopped === undefined && !input.interrupt.aborted && next < input.items.length) {
      const item = input.items[next++]!;
      if (input.done?.has(item.index)) continue;
      const result = await evaluate(item);
      if (result === undefined) return;
      results.push(result);
      if (result.error) failures[tallyKind(result.error)]++;
      input.onResult(result);
      if (
        stopped === undefined &&
        failureLimitReached(failures, input.items.length, input.maxFailedFraction)
      ) {
        stopped = 'failure-limit';
        input.cancel.abort(new Error('the run stopped: it can no longer succeed'));
      }
    }
  }

  const workers = Promise.all(
    Array.from({ length: Math.min(input.concurrency, input.items.length) }, worker),
  );
  const interrupted = new Promise<void>((resolve) =>
    input.interrupt.aborted
      ? resolve()
      : input.interrupt.addEventListener('abort', () => resolve(), { once: true }),
  );
  await Promise.race([workers, interrupted]);
  if (input.interrupt.aborted) {
    stopped ??= 'interrupted';
    const drain = delay(input.drainTimeoutMs);
    await Promise.race([workers, drain.promise]);
    drain.clear();
    if (!cancelled()) input.cancel.abort(new Error('the run was interrupted by SIGTERM'));
  }
  // Cancelled requests reject at once; this bound only keeps a stuck one from holding the exit.
  const grace = delay(CANCEL_GRACE_MS);
  await Promise.race([workers, grace.promise]);
  grace.clear();
  return { results, failures, stopped };
}
