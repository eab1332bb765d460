/**
 * A checkpoint store in memory, for tests: each write can be made to fail before the chunk is
 * stored (nothing kept), after (kept, but the writer is told it failed), as a store that is down or
 * an answer lost on the way back would, or torn (half of it kept), as a store that does not write
 * whole would.
 */
import type { CheckpointStore } from './store.ts';

export type WriteOutcome = 'stored' | 'failed-before' | 'failed-after' | 'torn';

export interface MemoryStore extends CheckpointStore {
  chunks: Map<string, string>;
}

export function memoryStore(
  outcome: (name: string) => WriteOutcome = () => 'stored',
  chunks = new Map<string, string>(),
): MemoryStore {
  return {
    chunks,
    list: () => Promise.resolve([...chunks.keys()]),
    read(name) {
      const body = chunks.get(name);
      return body === undefined ? Promise.reject(new Error(`no chunk ${name}`)) : Promise.resolve(body);
    },
    write(name, body) {
      const what = outcome(name);
      if (what === 'stored' || what === 'failed-after') chunks.set(name, body);
      if (what === 'torn') chunks.set(name, body.slice(0, Math.floor(body.length / 2)));
      return what === 'stored'
        ? Promise.resolve()
        : Promise.reject(new Error(`the store failed (${what}) ${name}`));
    },
  };
}
