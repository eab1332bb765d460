import { createHash } from 'node:crypto';

/** Label values and DNS labels (a pod's hostname, the Job controller's `job-name` label) are at most 63. */
export const MAX_NAME_LENGTH = 63;

/** The CRD's maximum of `spec.benchmarks[].shards`: an Indexed Job's highest completion index is one less. */
export const MAX_SHARDS = 100;

/**
 * The Job controller gives each pod of an Indexed Job the hostname `<job>-<index>`, and the API
 * server refuses an Indexed Job whose highest index would not make that a DNS label. Every Job name
 * leaves room for the widest index, so a run's Job name does not depend on its shard count (the
 * operator names a run's earlier attempts without knowing their shards).
 */
export const MAX_JOB_NAME_LENGTH = MAX_NAME_LENGTH - `-${MAX_SHARDS - 1}`.length;

/** 48 bits: two hashed names share a prefix only within one suite, far below a birthday collision. */
const HASH_LENGTH = 12;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * How a readable Job name is read back: the round is the first all-digit part, and a final
 * `-a<n>` with n ≥ 2 is the attempt. A name is kept readable only when it reads back as the input
 * it came from, so no two inputs share a readable name: suite `x-1` in round 2 and suite `x` in
 * round 1 with benchmark `2-b` would both join to `x-1-2-b-…`, and target `t-a2` at attempt 1 would
 * join like target `t` at attempt 2.
 */
const READABLE_JOB_NAME = /^(.+?)-(0|[1-9][0-9]*)-(.+?)(?:-a([2-9]|[1-9][0-9]+))?$/;

/** A run is one benchmark for one target. */
export function runName(benchmark: string, target: string): string {
  return `${benchmark}-${target}`;
}

/**
 * The Job of one attempt of a run: `<suite>-<round>-<benchmark>-<target>`, with `-a<attempt>` from
 * the second attempt on, when that is a DNS label of at most MAX_JOB_NAME_LENGTH that reads back
 * as this input. Otherwise (a dotted or long suite name, a name that would read as another input)
 * its start, dots made dashes, and a hash of the input: deterministic, and distinct for distinct
 * (suite, round, run, attempt). The run name stands for the benchmark and target: a suite where two
 * pairs share a run name is refused (runNameCollision), and their Jobs would share a name too.
 */
export function jobName(
  suite: string,
  round: number,
  benchmark: string,
  target: string,
  attempt = 1,
): string {
  const run = runName(benchmark, target);
  const readable = `${suite}-${round}-${run}${attempt === 1 ? '' : `-a${attempt}`}`;
  const read = READABLE_JOB_NAME.exec(readable);
  const readsBack =
    read !== null &&
    read[1] === suite &&
    read[2] === String(round) &&
    read[3] === run &&
    Number(read[4] ?? 1) === attempt;
  if (readsBack && readable.length <= MAX_JOB_NAME_LENGTH && DNS_LABEL.test(readable)) return readable;
  return hashedName(readable.replaceAll('.', '-'), JSON.stringify([suite, round, run, attempt]));
}

/** The readable name's start and a hash of what identifies the object, within MAX_JOB_NAME_LENGTH. */
function hashedName(readable: string, identity: string): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, HASH_LENGTH);
  const prefix = readable.slice(0, MAX_JOB_NAME_LENGTH - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${prefix}-${hash}`;
}
