/**
 * The runner contract's per-item outcomes (docs/runner-contract.md, Outcomes): which items a run got
 * right, as bitsets, so that two runs over the same items can be compared pair by pair (McNemar's
 * exact test) instead of as two independent shares. Defined once, here, for both sides: bench-runner
 * writes a shard's outcomes into its termination message, the operator joins the shards' and keeps
 * them with the round (the BenchmarkRound record's runs[].outcomes).
 */
import { createHash } from 'node:crypto';

export interface ItemOutcomes {
  /** How many items the bitsets are over. */
  items: number;
  /** A digest of the items' identities in order: runs are paired only when theirs are equal. */
  digest: string;
  /** Base64 of a bitset: bit i (bit i % 8 of byte ⌊i / 8⌋) set when item i was answered and scored correct. */
  correct: string;
  /** Base64 of a bitset: bit i set when item i was answered and scored; absent when every item was. */
  answered?: string;
}

/** A shard's outcomes in its termination message: which shard of how many they are. */
export interface ShardOutcomes extends ItemOutcomes {
  shard: number;
  shards: number;
}

/** The most items outcomes are kept for (the CRD's bound): 8 KiB a bitset. */
export const MAX_OUTCOME_ITEMS = 65_536;

const DIGEST_PATTERN = /^[0-9a-f]{16}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The digest of items identified by their ids (or, without one, their line in the dataset). */
export function itemsDigest(identities: ReadonlyArray<string | number>): string {
  return sha(JSON.stringify(identities));
}

export function encodeBits(bits: readonly boolean[]): string {
  const bytes = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => {
    if (bit) bytes[i >> 3]! |= 1 << (i & 7);
  });
  return Buffer.from(bytes).toString('base64');
}

/** The bits of a base64 bitset over `items`; undefined when it is not one (wrong length, stray bits). */
export function decodeBits(base64: string, items: number): boolean[] | undefined {
  if (!BASE64_PATTERN.test(base64)) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== Math.ceil(items / 8)) return undefined;
  const bits = Array.from({ length: items }, (_, i) => (bytes[i >> 3]! & (1 << (i & 7))) !== 0);
  // Bits past the last item must be clear: otherwise the bitset is of something else.
  if (items % 8 !== 0 && bytes[bytes.length - 1]! >> (items % 8) !== 0) return undefined;
  return bits;
}

/** Outcomes from per-item answers: `answered` is left out when every item was answered. */
export function outcomesOf(
  digest: string,
  results: ReadonlyArray<{ answered: boolean; correct: boolean }>,
): ItemOutcomes {
  const everyAnswered = results.every((r) => r.answered);
  return {
    items: results.length,
    digest,
    correct: encodeBits(results.map((r) => r.answered && r.correct)),
    ...(everyAnswered ? {} : { answered: encodeBits(results.map((r) => r.answered)) }),
  };
}

/** Each item's answer, or undefined when the outcomes are not well formed (another runner's, or cut). */
export function itemAnswers(
  outcomes: ItemOutcomes,
): Array<{ answered: boolean; correct: boolean }> | undefined {
  const { items, digest, correct, answered } = outcomes;
  if (!Number.isSafeInteger(items) || items < 1 || items > MAX_OUTCOME_ITEMS) return undefined;
  if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest) || typeof correct !== 'string')
    return undefined;
  const right = decodeBits(correct, items);
  const seen = answered === undefined ? right?.map(() => true) : decodeBits(answered, items);
  if (!right || !seen || right.some((bit, i) => bit && !seen[i])) return undefined;
  return right.map((bit, i) => ({ answered: seen[i]!, correct: bit }));
}

/**
 * Reads a shard's outcomes from a parsed termination message; undefined when they are not well
 * formed. Without `shard` and `shards` they are a whole run's (another runner's, unsharded).
 */
export function readShardOutcomes(value: unknown): ShardOutcomes | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  const { shard = 0, shards = 1, answered } = raw;
  if (!Number.isSafeInteger(shard) || !Number.isSafeInteger(shards)) return undefined;
  if ((shard as number) < 0 || (shard as number) >= (shards as number)) return undefined;
  if (answered !== undefined && typeof answered !== 'string') return undefined;
  const outcomes: ShardOutcomes = {
    items: raw.items as number,
    digest: raw.digest as string,
    correct: raw.correct as string,
    ...(answered !== undefined ? { answered } : {}),
    shard: shard as number,
    shards: shards as number,
  };
  return itemAnswers(outcomes) ? outcomes : undefined;
}

/**
 * The outcomes of a sharded run: the shards' joined in shard order, when every shard of the run
 * reported well-formed ones exactly once; undefined otherwise (pairing needs every item). The digest
 * of one shard is its own; of several, a digest of theirs, so two runs pair only when sharded alike.
 */
export function joinShards(shards: readonly ShardOutcomes[]): ItemOutcomes | undefined {
  const count = shards[0]?.shards;
  if (count === undefined || shards.length !== count) return undefined;
  const ordered = shards.toSorted((a, b) => a.shard - b.shard);
  if (ordered.some((s, i) => s.shard !== i || s.shards !== count)) return undefined;
  if (count === 1) return withoutShard(ordered[0]!);
  const answers = ordered.map(itemAnswers);
  if (answers.some((a) => a === undefined)) return undefined;
  const all = answers.flatMap((a) => a!);
  if (all.length > MAX_OUTCOME_ITEMS) return undefined;
  return outcomesOf(sha(ordered.map((s) => s.digest).join(',')), all);
}

function withoutShard({ items, digest, correct, answered }: ShardOutcomes): ItemOutcomes {
  return { items, digest, correct, ...(answered !== undefined ? { answered } : {}) };
}
