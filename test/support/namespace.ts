import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { kubectl } from './kubectl.ts';

/**
 * Gives the calling test file a namespace of its own, created before its tests and deleted after
 * them (without waiting: the garbage collector finishes the job). Returns a getter for its name.
 */
export function useNamespace(prefix = 'e2e'): () => string {
  let name = '';
  beforeAll(async () => {
    name = `${prefix}-${randomBytes(3).toString('hex')}`;
    await kubectl(['create', 'namespace', name]);
    await kubectl(['label', 'namespace', name, 'bench.dev/test=e2e']);
  });
  afterAll(async () => {
    if (name) await kubectl(['delete', 'namespace', name, '--wait=false'], { allowFailure: true });
  });
  return () => {
    if (!name) throw new Error('useNamespace(): the namespace exists only inside tests and hooks');
    return name;
  };
}
