import { objectKey, type KubeObject } from '../client/resource.ts';

export interface RelistDiff<T> {
  added: T[];
  updated: Array<{ previous: T; current: T }>;
  /** Cached objects absent from the new list: deleted while we were not watching, final state unknown. */
  deleted: T[];
}

/**
 * What a fresh list means for a cache that may have missed events (client-go's DeltaFIFO.Replace).
 * Objects whose resourceVersion did not change produce no update: unlike client-go's resync,
 * a relist should not wake every controller for objects nothing happened to.
 */
export function diffRelist<T extends KubeObject>(
  cached: ReadonlyMap<string, T>,
  listed: readonly T[],
): RelistDiff<T> {
  const diff: RelistDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const current of listed) {
    const key = objectKey(current.metadata);
    seen.add(key);
    const previous = cached.get(key);
    if (!previous) diff.added.push(current);
    else if (previous.metadata.resourceVersion !== current.metadata.resourceVersion)
      diff.updated.push({ previous, current });
  }
  for (const [key, previous] of cached) if (!seen.has(key)) diff.deleted.push(previous);
  return diff;
}
