/**
 * A checkpoint folder: chunks, each written whole and never changed. Writing a chunk resolves only
 * once it is durable (a readable object, a renamed and synced file): its items count as kept from
 * then on, not before.
 */
export interface CheckpointStore {
  /** The chunks' names, in any order. */
  list(signal: AbortSignal): Promise<string[]>;
  read(name: string, signal: AbortSignal): Promise<string>;
  /** Writes a chunk atomically: a reader sees all of it or nothing. */
  write(name: string, body: string, signal: AbortSignal): Promise<void>;
}

/** The chunks' extension; anything else in the folder (a writer's temporary file) is not a chunk. */
export const CHUNK_EXTENSION = '.jsonl';
