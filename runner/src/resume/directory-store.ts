/**
 * A checkpoint in a directory (a PVC mount): each chunk is written to a temporary name, synced,
 * then renamed, so that a crash mid-write leaves a temporary file a reader ignores, never half a
 * chunk under a chunk's name.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_EXTENSION, type CheckpointStore } from './store.ts';

export function directoryStore(path: string): CheckpointStore {
  return {
    async list() {
      try {
        return (await readdir(path)).filter((name) => name.endsWith(CHUNK_EXTENSION));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
    read: (name, signal) => readFile(join(path, name), { encoding: 'utf8', signal }),
    async write(name, body) {
      await mkdir(path, { recursive: true });
      const temporary = join(path, `.${name}.${randomUUID()}.tmp`);
      const file = await open(temporary, 'wx');
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(path, name));
      // The rename itself is durable once the directory is synced.
      const directory = await open(path, 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
    },
  };
}
