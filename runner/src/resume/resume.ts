/**
 * The steps main takes to resume (docs/runner-contract.md, Resume): at the start, read the shard's
 * checkpoint and take the answers an earlier attempt kept for items whose key has not changed; as
 * the run goes, keep each new answer; at the end, write what is left, put the reused results among
 * the new ones and say in the result what was reused. The result's usage stays this attempt's own:
 * the reused answers (and their judge's verdicts) were paid, and reported, by the attempt that
 * asked for them.
 */
import { randomUUID } from 'node:crypto';
import { artifactsClient } from '../artifacts/write-artifacts.ts';
import { REUSE_METRICS } from '../contract/result.ts';
import type { DatasetItem } from '../dataset/items.ts';
import type { ItemResult } from '../evaluate/item-result.ts';
import type { RunResult } from '../evaluate/summary.ts';
import type { Usage } from '../providers/types.ts';
import { createCheckpointWriter, type CheckpointWriter } from './checkpoint-writer.ts';
import { directoryStore } from './directory-store.ts';
import { resumeKey, type ResumeContext } from './key.ts';
import { describeLocation, type CheckpointLocation } from './location.ts';
import { readCheckpoint } from './read-checkpoint.ts';
import { recordOf, reusedResult } from './record.ts';
import { s3Store } from './s3-store.ts';
import type { CheckpointStore } from './store.ts';

/** A chunk every this many answered items, or every CHUNK_EVERY_MS, whichever comes first. */
export const CHUNK_EVERY_ITEMS = 25;
export const CHUNK_EVERY_MS = 10_000;
/** How long reading the checkpoint may take before the attempt starts without it. */
export const READ_TIMEOUT_MS = 60_000;
/** How long the last chunk may take: after a SIGTERM, the artifacts and the result must still fit the grace period. */
export const CLOSE_TIMEOUT_MS = { normal: 30_000, interrupted: 5_000 } as const;

/** The metric a result carries when answered items could not all be kept. */
export const CHECKPOINT_FAILED_METRIC = 'checkpointFailed';

export interface Resume {
  /** The results of the items an earlier attempt answered, by item index: not to be asked again. */
  reused: ReadonlyMap<number, ItemResult>;
  /** Keeps an item's answer (failed items are not kept: the next attempt asks again). */
  record(result: ItemResult): void;
  /** Writes the answers not yet kept; the metrics to add to the result. */
  finish(interrupted: boolean): Promise<Record<string, number>>;
  /** This attempt's results with the reused ones, in item order. */
  merge(results: readonly ItemResult[]): ItemResult[];
  /** The summary of the merged results with the usage (and judge usage) of this attempt's requests only, and what was reused. */
  account(summary: RunResult, elapsedMs: number): RunResult;
}

export interface OpenResumeInput {
  items: readonly DatasetItem[];
  context: ResumeContext;
  /** Stops the reading on SIGTERM. */
  signal: AbortSignal;
  clean: (text: string) => string;
  log: (line: string) => void;
  /** Unique to this attempt; the chunks' names start with it. */
  writer?: string;
  everyItems?: number;
  everyMs?: number;
}

/** Resume turned off, or without a place to keep anything: every item is asked. */
export const NO_RESUME: Resume = {
  reused: new Map(),
  record: () => {},
  finish: () => Promise.resolve({}),
  merge: (results) => [...results],
  account: (summary) => summary,
};

function usageOf(usages: readonly (Usage | undefined)[]): Usage {
  return {
    inputTokens: usages.reduce((sum, u) => sum + (u?.inputTokens ?? 0), 0),
    outputTokens: usages.reduce((sum, u) => sum + (u?.outputTokens ?? 0), 0),
  };
}

const minus = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens - b.inputTokens,
  outputTokens: a.outputTokens - b.outputTokens,
});

/** A writer's name: when it started (so that later attempts' chunks sort after), and a random part. */
export function writerName(now: Date): string {
  return `${now.toISOString().replaceAll(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
}

/** The checkpoint of the location, or NO_RESUME when there is none (or no credentials for it). */
export async function openResumeAt(
  location: CheckpointLocation | undefined,
  input: OpenResumeInput,
): Promise<Resume> {
  if (!location) return NO_RESUME;
  if (location.kind === 'directory')
    return openResume(directoryStore(location.path), input, describeLocation(location));
  if (!location.destination.hasCredentials) {
    input.log(
      `no checkpoint kept: no credentials for ${describeLocation(location)} (AWS_ACCESS_KEY_ID is not set)`,
    );
    return NO_RESUME;
  }
  const client = artifactsClient(location.destination);
  const resume = await openResume(s3Store(location.destination, client), input, describeLocation(location));
  return {
    ...resume,
    finish: (interrupted) => resume.finish(interrupted).finally(() => client.destroy()),
  };
}

export async function openResume(
  store: CheckpointStore,
  input: OpenResumeInput,
  where: string,
): Promise<Resume> {
  const { log, clean } = input;
  const keys = new Map(input.items.map((item) => [item.index, resumeKey(item, input.context)]));
  const reused = new Map<number, ItemResult>();
  try {
    const kept = await readCheckpoint(
      store,
      AbortSignal.any([input.signal, AbortSignal.timeout(READ_TIMEOUT_MS)]),
    );
    for (const item of input.items) {
      const record = kept.records.get(keys.get(item.index)!);
      if (record) reused.set(item.index, reusedResult(item, record));
    }
    const skipped =
      kept.skippedChunks + kept.skippedLines > 0
        ? ` (skipped: ${kept.skippedChunks} unreadable chunks, ${kept.skippedLines} lines that are not records)`
        : '';
    log(
      `resume: ${reused.size} of ${input.items.length} items reused from ${kept.chunks} chunks in ${where}${skipped}`,
    );
  } catch (error) {
    if (input.signal.aborted) throw input.signal.reason;
    log(`resume: the checkpoint in ${where} could not be read, every item is asked: ${clean(String(error))}`);
  }

  const writer: CheckpointWriter = createCheckpointWriter({
    store,
    writer: input.writer ?? writerName(new Date()),
    everyItems: input.everyItems ?? CHUNK_EVERY_ITEMS,
    everyMs: input.everyMs ?? CHUNK_EVERY_MS,
    clean,
    log,
  });
  const reusedResults = [...reused.values()];
  const reusedUsage = usageOf(reusedResults.map((r) => r.usage));
  const reusedJudgeUsage = usageOf(reusedResults.map((r) => r.judge?.usage));

  return {
    reused,
    record(result) {
      const record = recordOf(keys.get(result.index)!, result);
      if (record) writer.add(record);
    },
    async finish(interrupted): Promise<Record<string, number>> {
      const closed = await writer.close(interrupted ? CLOSE_TIMEOUT_MS.interrupted : CLOSE_TIMEOUT_MS.normal);
      if (closed.unwritten === 0) return {};
      log(
        `checkpoint: ${closed.unwritten} answered items could not be kept in ${where}: a retry asks for them again`,
      );
      return { [CHECKPOINT_FAILED_METRIC]: 1 };
    },
    merge: (results) => [...results, ...reusedResults].sort((a, b) => a.index - b.index),
    account(summary, elapsedMs) {
      const usage = minus(summary.usage, reusedUsage);
      const asked = (summary.metrics.answeredItems ?? 0) - reused.size;
      const metrics: Record<string, number> = {
        ...summary.metrics,
        [REUSE_METRICS.items]: reused.size,
        [REUSE_METRICS.inputTokens]: reusedUsage.inputTokens,
        [REUSE_METRICS.outputTokens]: reusedUsage.outputTokens,
      };
      // Speeds are of this attempt's own requests: reused answers took no time in it.
      delete metrics.requestsPerSecond;
      delete metrics.throughputTokensPerSecond;
      if (elapsedMs > 0 && asked > 0) {
        metrics.requestsPerSecond = Number(((asked * 1000) / elapsedMs).toFixed(2));
        metrics.throughputTokensPerSecond = Number(((usage.outputTokens * 1000) / elapsedMs).toFixed(1));
      }
      return {
        ...summary,
        usage,
        metrics,
        ...(summary.judgeUsage ? { judgeUsage: minus(summary.judgeUsage, reusedJudgeUsage) } : {}),
      };
    },
  };
}
