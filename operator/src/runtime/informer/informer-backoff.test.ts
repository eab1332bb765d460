import pino from 'pino';
import { Response } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject, ObjectList } from '../client/resource.ts';
import { FakeClock } from '../time/fake-clock.ts';
import { Backoff } from './backoff.ts';
import { Informer } from './informer.ts';
import type { ListerWatcher } from './lister-watcher.ts';

const logger = pino({ level: 'silent' });

type WatchReply =
  | { kind: 'gone-status' }
  | { kind: 'gone-event' }
  | { kind: 'empty' }
  | { kind: 'events'; count: number }
  | { kind: 'quiet'; ms: number }
  | { kind: 'hang' };

/** A server scripted per watch call (the last reply repeats), recording when it was asked. */
class FakeServer implements ListerWatcher<KubeObject> {
  readonly listTimes: number[] = [];
  readonly watchTimes: number[] = [];
  private version = 1;
  private readonly clock: FakeClock;
  private readonly replies: WatchReply[];

  constructor(clock: FakeClock, replies: WatchReply[]) {
    this.clock = clock;
    this.replies = replies;
  }

  async list(): Promise<ObjectList<KubeObject>> {
    this.listTimes.push(this.clock.now());
    await nextTick();
    return { metadata: { resourceVersion: String(this.version) }, items: [] };
  }

  async watch(options: { signal: AbortSignal }): Promise<Response> {
    this.watchTimes.push(this.clock.now());
    await nextTick();
    const reply = this.replies[Math.min(this.watchTimes.length, this.replies.length) - 1]!;
    switch (reply.kind) {
      case 'gone-status':
        return new Response(JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired' }), {
          status: 410,
        });
      case 'gone-event':
        return ndjson([{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }]);
      case 'empty':
        return ndjson([]);
      case 'events':
        return ndjson(
          Array.from({ length: reply.count }, () => ({
            type: 'ADDED',
            object: { metadata: { name: `o${this.version}`, resourceVersion: String(++this.version) } },
          })),
        );
      case 'quiet':
        return quietWatch(this.clock, reply.ms);
      case 'hang':
        return hangingWatch(options.signal);
    }
  }
}

function ndjson(events: unknown[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of events) controller.enqueue(new TextEncoder().encode(`${JSON.stringify(event)}\n`));
      controller.close();
    },
  });
  return new Response(body, { status: 200 });
}

/** A watch the server ends after `ms` without an event, as at the end of its timeoutSeconds. */
function quietWatch(clock: FakeClock, ms: number): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      clock.setTimeout(() => controller.close(), ms);
    },
  });
  return new Response(body, { status: 200 });
}

/** A watch that stays open, silent, until the informer lets go of it. */
function hangingWatch(signal: AbortSignal): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      signal.addEventListener('abort', () => controller.close(), { once: true });
    },
  });
  return new Response(body, { status: 200 });
}

/**
 * Answers a turn of the event loop later, as a real server would: a client that retries in a
 * tight loop then shows up as many calls instead of starving the test of the event loop.
 */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets the informer's promise chains run to their next wait on the fake clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await nextTick();
}

/** Advances fake time in small steps, letting the informer act between them. */
async function runFor(clock: FakeClock, ms: number, stepMs = 100): Promise<void> {
  await settle();
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}

const informers: Informer<KubeObject>[] = [];
afterEach(async () => {
  await Promise.all(informers.splice(0).map((informer) => informer.stop()));
});

function startInformer(
  clock: FakeClock,
  server: FakeServer,
  newBackoff?: () => Backoff,
): Informer<KubeObject> {
  const informer = new Informer<KubeObject>({
    sources: [{ listerWatcher: server }],
    name: 'test/v1/things',
    logger,
    clock,
    // Long enough never to fire here, so only the backoff paces the loop.
    stallTimeoutMs: 3_600_000,
    ...(newBackoff ? { newBackoff } : {}),
  });
  informers.push(informer);
  informer.start();
  return informer;
}

const noJitter = (clock: FakeClock) => () => new Backoff({ clock, random: () => 0 });

/** Waits 800, 1600, 3200, 6400, 12800, 25600 ms: six by 50.4 s, a seventh at 80.4 s. */
const FAILURES_IN_60S = 6;

describe('Informer backoff against a misbehaving server', () => {
  it('relists no more often than the backoff allows when every watch is answered 410 Gone', async () => {
    const clock = new FakeClock();
    const server = new FakeServer(clock, [{ kind: 'gone-status' }]);
    startInformer(clock, server, noJitter(clock));
    await settle();
    expect(server.listTimes).toEqual([0]);

    await runFor(clock, 60_000);
    expect(server.listTimes).toEqual([0, 800, 2_400, 5_600, 12_000, 24_800, 50_400]);
    expect(server.watchTimes).toHaveLength(1 + FAILURES_IN_60S);
  });

  it('paces relists after a 410 ERROR event in the watch stream too, with default (jittered) backoff', async () => {
    const clock = new FakeClock();
    const server = new FakeServer(clock, [{ kind: 'gone-event' }]);
    startInformer(clock, server);

    await runFor(clock, 60_000);
    // Jitter only lengthens waits: never more than the unjittered schedule, and with the longest
    // jitter (1600, 3200, 6400, 12800, 25600 ms) still five relists.
    expect(server.listTimes.length).toBeGreaterThanOrEqual(1 + 5);
    expect(server.listTimes.length).toBeLessThanOrEqual(1 + FAILURES_IN_60S);
    const gaps = server.listTimes.slice(1).map((t, i) => t - server.listTimes[i]!);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(800 * 2 ** i));
  });

  it('reconnects no more often than the backoff allows when every watch closes at once with nothing', async () => {
    const clock = new FakeClock();
    const server = new FakeServer(clock, [{ kind: 'empty' }]);
    startInformer(clock, server, noJitter(clock));

    await runFor(clock, 60_000);
    expect(server.watchTimes).toEqual([0, 800, 2_400, 5_600, 12_000, 24_800, 50_400]);
    expect(server.listTimes, 'an empty watch is no reason to relist').toEqual([0]);
  });

  it('caps the wait at 30 s and keeps the pace over a long outage', async () => {
    const clock = new FakeClock();
    const server = new FakeServer(clock, [{ kind: 'empty' }]);
    startInformer(clock, server, noJitter(clock));

    await runFor(clock, 600_000, 1_000);
    // 50.4 s for the first six waits, then one every 30 s.
    expect(server.watchTimes).toHaveLength(1 + 6 + Math.floor((600_000 - 50_400) / 30_000));
  });

  it('renews at once a watch the server ended after delivering events, as a timeout-ended watch', async () => {
    const clock = new FakeClock();
    const replies: WatchReply[] = [
      ...Array.from({ length: 5 }, () => ({ kind: 'events', count: 2 }) as const),
      { kind: 'hang' },
    ];
    const server = new FakeServer(clock, replies);
    const informer = startInformer(clock, server, noJitter(clock));
    await settle();

    expect(server.watchTimes).toEqual([0, 0, 0, 0, 0, 0]);
    expect(informer.store.list()).toHaveLength(10);
    expect(server.listTimes).toEqual([0]);
  });

  it('starts small again after a watch that delivered events', async () => {
    const clock = new FakeClock();
    const server = new FakeServer(clock, [
      { kind: 'gone-status' },
      { kind: 'gone-status' },
      { kind: 'gone-status' },
      { kind: 'events', count: 1 },
      { kind: 'gone-status' },
      { kind: 'hang' },
    ]);
    startInformer(clock, server, noJitter(clock));

    await runFor(clock, 20_000);
    // 410 waits 800, 1600, 3200; the eventful watch resets, so the next 410 waits 800 again, not 6400.
    expect(server.listTimes).toEqual([0, 800, 2_400, 5_600, 6_400]);
  });

  it('treats an uneventful watch that lasted as healthy: renews at once and resets the backoff', async () => {
    const clock = new FakeClock();
    const server = new FakeServer(clock, [
      { kind: 'empty' },
      { kind: 'empty' },
      { kind: 'quiet', ms: 5_000 },
      { kind: 'empty' },
      { kind: 'hang' },
    ]);
    startInformer(clock, server, noJitter(clock));

    await runFor(clock, 10_000);
    // Empty at once twice (waits 800, 1600); the 5 s watch is renewed at 7.4 s without a wait, and
    // when that one closes at once the wait is back at 800, not 3200.
    expect(server.watchTimes).toEqual([0, 800, 2_400, 7_400, 8_200]);
    expect(server.listTimes).toEqual([0]);
  });
});
