import { realClock, type Clock } from '../time/clock.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: Record<string, unknown>;
}

/** No event, not even a bookmark, arrived within the deadline: the connection is presumed dead. */
export class WatchStalledError extends Error {
  constructor(ms: number) {
    super(`watch delivered no event or bookmark for ${ms} ms`);
    this.name = 'WatchStalledError';
  }
}

/**
 * Reads a watch response body (JSON lines) until the server closes it, calling `onEvent` per event.
 *
 * Why the stall deadline: a watch whose TCP connection dies without FIN/RST (NAT or load balancer
 * idle timeout, API server failover) stays "open" forever, and the informer silently stops
 * seeing changes. That is @kubernetes/client-node's informer bug (issues #364, #596, #958 there).
 * With allowWatchBookmarks the API server sends a bookmark about once a minute even when nothing
 * changes, so silence past the deadline means the connection is gone: cancel and re-watch.
 */
export async function consumeWatch(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: WatchEvent) => void,
  options: { stallTimeoutMs: number; clock?: Clock },
): Promise<void> {
  const clock = options.clock ?? realClock;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let finished = false;
  // The deadline cancels the read in flight (it then reads as done). Not Promise.race with a
  // promise that settles only on a stall: every race would add a reaction to that promise, each
  // holding its read's chunk, so a watch kept everything it ever received until it ended.
  let stalled = false;
  const onStall = () => {
    stalled = true;
    void reader.cancel().catch(() => undefined);
  };
  let timer = clock.setTimeout(onStall, options.stallTimeoutMs);
  const resetDeadline = () => {
    clock.clearTimeout(timer);
    timer = clock.setTimeout(onStall, options.stallTimeoutMs);
  };
  try {
    for (;;) {
      const result = await reader.read();
      if (stalled) throw new WatchStalledError(options.stallTimeoutMs);
      if (result.done) break;
      buffered += decoder.decode(result.value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        resetDeadline();
        onEvent(JSON.parse(line) as WatchEvent);
      }
    }
    const rest = (buffered + decoder.decode()).trim();
    finished = true;
    if (rest) onEvent(JSON.parse(rest) as WatchEvent);
  } finally {
    clock.clearTimeout(timer);
    if (finished) reader.releaseLock();
    else if (!stalled) void reader.cancel().catch(() => undefined);
  }
}
