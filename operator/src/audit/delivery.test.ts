import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecord } from '../../../test/support/audit-records.ts';
import { FakeClock } from '../runtime/time/fake-clock.ts';
import { DELIVERY_BACKOFF, deliveryReconciler } from './delivery.ts';
import { auditMetrics } from './metrics.ts';
import { PendingRecords } from './pending.ts';
import { WebhookSink } from './sender.ts';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const context = { logger: pino({ level: 'silent' }), reconcileId: 'r', signal: new AbortController().signal };
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A webhook on loopback answering with the next status of `statuses` (then 204), recording the ids it got. */
async function webhook(statuses: number[] = []): Promise<{ url: URL; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const status = statuses.shift() ?? 204;
      if (status < 300) received.push((JSON.parse(body) as { id: string }).id);
      res.writeHead(status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`), received };
}

function loop(url: URL, pending: PendingRecords, clock = new FakeClock(0)) {
  const delivered: string[] = [];
  let checks = 0;
  const registry = new Registry();
  const metrics = auditMetrics(registry, pending, 100);
  const deliver = deliveryReconciler({
    pending,
    sink: new WebhookSink({ url, signingKey: KEY, timeoutMs: 2000, source: '/test' }),
    outbox: {
      delivered: (batch) => {
        delivered.push(batch);
        return Promise.resolve();
      },
      retryRemovals: async () => {},
    },
    monitor: { check: () => {} },
    sequence: { check: () => void checks++ },
    metrics,
    clock,
  });
  return { deliver, delivered, registry, clock, checks: () => checks };
}

const stream = { namespace: 'ns', name: 'BenchmarkSuite.s' };

describe('the delivery loop', () => {
  it('sends a stream in order, hands a batch to the outbox once all of it is acknowledged, and checks the sequence on each turn', async () => {
    const { url, received } = await webhook();
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [auditRecord('a'), auditRecord('b'), auditRecord('x', 'other')]);
    pending.add('bench-audit-2', [auditRecord('c')]);
    const { deliver, delivered, registry, checks } = loop(url, pending);
    expect(await deliver(stream, context)).toBeUndefined();
    expect(received).toEqual(['a', 'b', 'c']);
    expect(delivered).toEqual(['bench-audit-2']);
    await deliver({ namespace: 'ns', name: 'BenchmarkSuite.other' }, context);
    expect(delivered).toEqual(['bench-audit-2', 'bench-audit-1']);
    expect(checks()).toBe(2);
    expect(pending.size).toBe(0);
    expect(await registry.getSingleMetricAsString('bench_audit_deliveries_total')).toContain(
      'bench_audit_deliveries_total{result="success"} 4',
    );
  });

  it('stops a stream at a failure and retries after a growing backoff, never overtaking the failed record', async () => {
    const { url, received } = await webhook([503, 500]);
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [auditRecord('a'), auditRecord('b')]);
    const { deliver, registry, clock } = loop(url, pending);
    const first = await deliver(stream, context);
    expect(first?.requeueAfterMs).toBeGreaterThan(0);
    expect(received).toEqual([]);
    // More records (or any wake-up) before the backoff is over do not bring the retry forward.
    pending.add('bench-audit-2', [auditRecord('c')]);
    clock.advance(first!.requeueAfterMs! - 1);
    expect(await deliver(stream, context)).toEqual({ requeueAfterMs: 1 });
    expect(received).toEqual([]);
    clock.advance(1);
    const second = await deliver(stream, context);
    expect(second?.requeueAfterMs).toBeGreaterThan(0);
    clock.advance(second!.requeueAfterMs!);
    expect(await deliver(stream, context)).toBeUndefined();
    expect(received).toEqual(['a', 'b', 'c']);
    const text = await registry.getSingleMetricAsString('bench_audit_deliveries_total');
    expect(text).toContain('{result="rejected"} 2');
    expect(text).toContain('{result="success"} 3');
  });

  it('counts a sink that does not answer as an error', async () => {
    const { url } = await webhook();
    servers[0]!.close();
    const pending = new PendingRecords();
    pending.add('bench-audit-1', [auditRecord('a')]);
    const { deliver, registry } = loop(url, pending);
    expect((await deliver(stream, context))?.requeueAfterMs).toBeGreaterThan(0);
    expect(await registry.getSingleMetricAsString('bench_audit_deliveries_total')).toContain(
      '{result="error"} 1',
    );
    expect(pending.size).toBe(1);
  });
});

describe('DELIVERY_BACKOFF', () => {
  it('grows from about 200 ms to at most 30 s, with jitter', () => {
    const streaks = Array.from({ length: 500 }, () => {
      const delays: number[] = [];
      let backoff = DELIVERY_BACKOFF.next(undefined);
      for (let i = 0; i < 20; i++, backoff = backoff.next(undefined)) delays.push(backoff.duration);
      return delays;
    });
    const all = streaks.flat();
    expect(Math.min(...all)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...all)).toBeLessThanOrEqual(30_000);
    expect(Math.max(...streaks.map((s) => s[0]!))).toBeLessThan(400);
    const mean = (i: number) => streaks.reduce((sum, s) => sum + s[i]!, 0) / streaks.length;
    expect(mean(8)).toBeGreaterThan(mean(1) * 10);
    expect(mean(19)).toBeGreaterThan(20_000);
    // Jitter: streams that fail together do not retry together.
    expect(new Set(streaks.map((s) => Math.round(s[5]!))).size).toBeGreaterThan(400);
  });
});
