import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { consumeWatch, WatchStalledError, type WatchEvent } from './watch-stream.ts';

function streamOf(chunks: string[], keepOpen = false): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (!keepOpen) controller.close();
    },
  });
}

describe('consumeWatch', () => {
  it('parses events split across chunks and a final line without newline', async () => {
    const events: WatchEvent[] = [];
    const body = streamOf([
      '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD',
      'IFIED","object":{"metadata":{"name":"a"}}}\n\n',
      '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}',
    ]);
    await consumeWatch(body, (e) => events.push(e), { stallTimeoutMs: 1000, clock: new FakeClock() });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'BOOKMARK']);
  });

  it('gives up on a connection that stays open but silent past the deadline', async () => {
    const clock = new FakeClock();
    const events: WatchEvent[] = [];
    const done = consumeWatch(streamOf(['{"type":"ADDED","object":{}}\n'], true), (e) => events.push(e), {
      stallTimeoutMs: 60_000,
      clock,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toHaveLength(1);
    clock.advance(60_000);
    await expect(done).rejects.toBeInstanceOf(WatchStalledError);
  });

  it('keeps no chunk it has read while the watch stays open', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    const events: WatchEvent[] = [];
    const done = consumeWatch(body, (e) => events.push(e), {
      stallTimeoutMs: 60_000,
      clock: new FakeClock(),
    });
    const read = (() => {
      const chunk = encoder.encode('{"type":"ADDED","object":{}}\n');
      controller.enqueue(chunk);
      return new WeakRef(chunk);
    })();
    controller.enqueue(encoder.encode('{"type":"MODIFIED","object":{}}\n'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED']);
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    expect(read.deref(), 'the first chunk is still reachable after it was parsed').toBeUndefined();
    controller.close();
    await done;
  });
});
