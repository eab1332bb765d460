/**
 * No item counted twice, whatever the crashes: attempts of one run, each stopped at some point
 * (SIGTERM after some answers, a chunk write failing before or after it is stored or torn, the
 * process killed between writes or during the last one), share a checkpoint; a last attempt runs
 * to the end. The attempts go through the real runItems, summary and resume steps against a
 * provider that counts its requests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestPipeline } from '../client/pipeline.ts';
import type { DatasetItem } from '../dataset/items.ts';
import type { ItemResult } from '../evaluate/item-result.ts';
import { itemRequest } from '../evaluate/item-request.ts';
import { runItems } from '../evaluate/run-items.ts';
import { summarize, type RunResult } from '../evaluate/summary.ts';
import type { Usage } from '../providers/types.ts';
import { createScorer } from '../scoring/scorers.ts';
import { resumeContext } from './key.ts';
import { memoryStore, type WriteOutcome } from './memory-store.ts';
import { openResume } from './resume.ts';

interface AttemptPlan {
  /** SIGTERM once this many items are answered. */
  interruptAfter: number | undefined;
  /** How each chunk write ends, in order (stored when not said). */
  writes: WriteOutcome[];
  /** Killed (no result, nothing written any more) once this many chunk writes were made. */
  killAfterWrites: number | undefined;
}

interface AttemptOutcome {
  /** Absent when the attempt was killed. */
  reported: { summary: RunResult; results: ItemResult[] } | undefined;
  /** The usage of each request this attempt made. */
  requests: Usage[];
}

const usageOfItem = (index: number): Usage => ({ inputTokens: 10 + index, outputTokens: 1 + (index % 3) });
const total = (usages: readonly Usage[]): Usage => ({
  inputTokens: usages.reduce((sum, u) => sum + u.inputTokens, 0),
  outputTokens: usages.reduce((sum, u) => sum + u.outputTokens, 0),
});

function dataset(count: number): DatasetItem[] {
  return Array.from({ length: count }, (_, index) => ({
    index,
    line: index + 1,
    id: `q${index}`,
    category: undefined,
    messages: [{ role: 'user' as const, content: `question ${index}` }],
    expected: String(index % 2),
    scorer: createScorer({ scorer: 'exact', expected: String(index % 2) }),
  }));
}

const context = resumeContext(
  {
    provider: { type: 'openai', endpoint: undefined, apiKey: undefined, parameters: {} },
    model: 'm',
    judge: undefined,
  },
  {
    mode: 'accuracy',
    temperature: 0,
    maxOutputTokens: 16,
    topP: undefined,
    judge: { scale: 'pass-fail', pass: 1, rubric: undefined, calibration: false },
  },
  undefined,
);

/** A provider answering `0` to every question, its usage a function of the item. */
function countingPipeline(requests: Usage[]): RequestPipeline {
  return {
    async complete(request) {
      await new Promise((resolve) => setImmediate(resolve));
      const index = Number(/question (\d+)/.exec(request.messages[0]!.content)![1]);
      const usage = usageOfItem(index);
      requests.push(usage);
      return { text: '0', usage, finishReason: 'stop', latencyMs: 100 };
    },
  };
}

async function attempt(
  chunks: Map<string, string>,
  items: readonly DatasetItem[],
  name: string,
  plan: AttemptPlan,
  options: { concurrency: number; everyItems: number },
): Promise<AttemptOutcome> {
  const requests: Usage[] = [];
  let writes = 0;
  let killed = false;
  const store = memoryStore((chunk) => {
    const n = writes++;
    if (plan.killAfterWrites !== undefined && n >= plan.killAfterWrites) killed = true;
    if (killed) throw new Error(`killed before ${chunk}`);
    return plan.writes[n] ?? 'stored';
  }, chunks);
  const interrupt = new AbortController();
  const resume = await openResume(
    store,
    {
      items,
      context,
      signal: interrupt.signal,
      clean: (text) => text,
      log: () => {},
      writer: name,
      everyItems: options.everyItems,
      everyMs: 3_600_000,
    },
    'memory',
  );
  let answered = 0;
  const run = await runItems({
    items,
    pipeline: countingPipeline(requests),
    request: (item) =>
      itemRequest(item, 'm', { mode: 'accuracy', maxOutputTokens: 16, temperature: 0, topP: undefined }),
    concurrency: options.concurrency,
    maxFailedFraction: 0,
    interrupt: interrupt.signal,
    drainTimeoutMs: 60_000,
    cancel: new AbortController(),
    done: resume.reused,
    onResult: (result) => {
      resume.record(result);
      if (++answered === plan.interruptAfter) interrupt.abort(new Error('SIGTERM'));
    },
  });
  const interrupted = run.stopped === 'interrupted';
  await resume.finish(interrupted);
  if (killed) return { reported: undefined, requests };
  const results = resume.merge(run.results);
  const summary = resume.account(
    summarize({ mode: 'accuracy', items: items.length, results, elapsedMs: 1_000, interrupted, retries: 0 }),
    1_000,
  );
  return { reported: { summary, results }, requests };
}

const attemptPlan = (items: number): fc.Arbitrary<AttemptPlan> =>
  fc.record({
    interruptAfter: fc.option(fc.integer({ min: 1, max: items }), { nil: undefined }),
    writes: fc.array(fc.constantFrom<WriteOutcome>('stored', 'failed-before', 'failed-after', 'torn'), {
      maxLength: 6,
    }),
    killAfterWrites: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  });

const scenario = fc.integer({ min: 1, max: 12 }).chain((items) =>
  fc.record({
    items: fc.constant(items),
    concurrency: fc.integer({ min: 1, max: 3 }),
    everyItems: fc.integer({ min: 1, max: 4 }),
    crashed: fc.array(attemptPlan(items), { maxLength: 4 }),
  }),
);

const clean: AttemptPlan = { interruptAfter: undefined, writes: [], killAfterWrites: undefined };

describe('resume across crashes (property)', () => {
  it('answers every item exactly once, reports each request once, and ends as an uninterrupted run', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ items: count, concurrency, everyItems, crashed }) => {
        const items = dataset(count);
        const options = { concurrency, everyItems };
        const uninterrupted = await attempt(new Map(), items, 'alone', clean, options);

        const chunks = new Map<string, string>();
        const outcomes: AttemptOutcome[] = [];
        for (const [n, plan] of [...crashed, clean].entries()) {
          outcomes.push(await attempt(chunks, items, `attempt-${n}`, plan, options));
        }

        // Each attempt that reports a result reports exactly the requests it made.
        for (const outcome of outcomes) {
          if (outcome.reported) expect(outcome.reported.summary.usage).toEqual(total(outcome.requests));
        }
        // Over all attempts, what is reported and what killed attempts never reported is every request, once.
        const reported = total(outcomes.flatMap((o) => (o.reported ? [o.reported.summary.usage] : [])));
        const unreported = total(outcomes.flatMap((o) => (o.reported ? [] : o.requests)));
        expect(total([reported, unreported])).toEqual(total(outcomes.flatMap((o) => o.requests)));

        const last = outcomes.at(-1)!;
        const final = last.reported!;
        // Every item once, in item order, as an uninterrupted run has it.
        expect(final.results.map((r) => r.index)).toEqual(items.map((item) => item.index));
        expect(final.results).toEqual(uninterrupted.reported!.results);
        expect(final.summary.score).toBe(uninterrupted.reported!.summary.score);
        // Reused and new make the items; reused and new tokens make each item's once.
        expect(final.summary.metrics.reusedItems! + last.requests.length).toBe(count);
        expect({
          inputTokens: final.summary.metrics.reusedInputTokens! + final.summary.usage.inputTokens,
          outputTokens: final.summary.metrics.reusedOutputTokens! + final.summary.usage.outputTokens,
        }).toEqual(total(items.map((item) => usageOfItem(item.index))));
      }),
      { numRuns: 150 },
    );
  });
});
