import { createHash } from 'node:crypto';

/** Kubernetes label values and the Job controller's `job-name` label cap names at 63 characters. */
export const MAX_NAME_LENGTH = 63;
const HASH_LENGTH = 8;

/**
 * Joins parts into a DNS label of at most 63 characters. A name that fits is kept as it is, so
 * people can read it; a longer one is cut and given a hash of the whole, so two long names that
 * share a prefix never collide and the same input always gives the same name.
 */
export function boundedName(...parts: Array<string | number>): string {
  const full = parts.map(String).join('-');
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, HASH_LENGTH);
  const prefix = full.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${prefix}-${hash}`;
}

/** A run is one benchmark for one target. */
export function runName(benchmark: string, target: string): string {
  return `${benchmark}-${target}`;
}

/** `<suite>-<round>-<benchmark>-<target>`, with `-a<attempt>` from the second attempt on. */
export function jobName(
  suite: string,
  round: number,
  benchmark: string,
  target: string,
  attempt = 1,
): string {
  const parts: Array<string | number> = [suite, round, benchmark, target];
  if (attempt > 1) parts.push(`a${attempt}`);
  return boundedName(...parts);
}
