import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { RequestAbortedError } from './errors.ts';
import { KubeClient } from './kube-client.ts';
import { RestClient, type RestClientOptions } from './rest-client.ts';

interface Seen {
  method: string;
  url: string;
  body: string;
}

type Handler = (seen: Seen, index: number, res: ServerResponse) => void;

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real HTTP apiserver stand-in: records every request and answers with the handler. */
async function apiserver(handler: Handler): Promise<{ seen: Seen[]; url: string }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', body };
      seen.push(entry);
      handler(entry, seen.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { seen, url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}` };
}

function client(url: string, options: RestClientOptions): Promise<RestClient> {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: url, skipTLSVerify: true }],
    users: [{ name: 'anonymous' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'anonymous' }],
    currentContext: 'local',
  });
  return RestClient.create(kc, options);
}

function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(status === 200 ? { kind: 'ConfigMap' } : { kind: 'Status', code: status }));
}

describe('RestClient retries', () => {
  it('waits Retry-After seconds after a 429 and then sends the request again', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const { seen, url } = await apiserver((_, index, res) =>
      index === 0 ? answer(res, 429, { 'retry-after': '2' }) : answer(res, 200),
    );
    const rest = await client(url, { clock, registry });

    const result = rest.json<{ kind: string }>({ method: 'GET', path: '/api/v1/namespaces/a/configmaps/b' });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1));
    expect(seen).toHaveLength(1);
    clock.advance(1_999);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(1);

    await expect(result).resolves.toEqual({ kind: 'ConfigMap' });
    expect(seen.map((s) => s.url)).toEqual([
      '/api/v1/namespaces/a/configmaps/b',
      '/api/v1/namespaces/a/configmaps/b',
    ]);
    const retries = await registry.getSingleMetric('rest_client_request_retries_total')?.get();
    expect(retries?.values).toEqual([
      expect.objectContaining({
        value: 1,
        labels: expect.objectContaining({ code: '429', verb: 'GET' }) as unknown,
      }),
    ]);
  });

  it('resends a write refused with 429 (the server did not process it), body and all, waiting 1 s without Retry-After', async () => {
    const clock = new FakeClock();
    const { seen, url } = await apiserver((_, index, res) =>
      index === 0 ? answer(res, 429) : answer(res, 200),
    );
    const rest = await client(url, { clock });

    const result = rest.json({
      method: 'POST',
      path: '/api/v1/namespaces/a/configmaps',
      body: { data: { k: 'v' } },
    });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1));
    clock.advance(999);
    expect(seen).toHaveLength(1);
    clock.advance(1);

    await expect(result).resolves.toEqual({ kind: 'ConfigMap' });
    expect(seen.map((s) => [s.method, s.body])).toEqual([
      ['POST', '{"data":{"k":"v"}}'],
      ['POST', '{"data":{"k":"v"}}'],
    ]);
  });

  it('resends a read answered 503 with Retry-After, but not a write, which the server may have applied', async () => {
    const clock = new FakeClock();
    const { seen, url } = await apiserver((seenRequest, index, res) =>
      seenRequest.method === 'GET' && index === 2
        ? answer(res, 200)
        : answer(res, 503, { 'retry-after': '1' }),
    );
    const rest = await client(url, { clock });

    await expect(rest.json({ method: 'PUT', path: '/x', body: {} })).rejects.toMatchObject({ code: 503 });
    expect(seen).toHaveLength(1);

    const read = rest.json({ method: 'GET', path: '/x' });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1));
    clock.advance(1_000);
    await expect(read).resolves.toEqual({ kind: 'ConfigMap' });
    expect(seen.map((s) => s.method)).toEqual(['PUT', 'GET', 'GET']);
  });

  it('gives up after maxRetries and returns the last 429', async () => {
    const clock = new FakeClock();
    const { seen, url } = await apiserver((_, __, res) => answer(res, 429, { 'retry-after': '0' }));
    const rest = await client(url, { clock, maxRetries: 3 });

    await expect(rest.json({ method: 'GET', path: '/x' })).rejects.toMatchObject({ code: 429 });
    expect(seen).toHaveLength(4);
  });

  it('caps a long Retry-After', async () => {
    const clock = new FakeClock();
    const { seen, url } = await apiserver((_, index, res) =>
      index === 0 ? answer(res, 429, { 'retry-after': '3600' }) : answer(res, 200),
    );
    const rest = await client(url, { clock });

    const result = rest.json({ method: 'GET', path: '/x' });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1));
    clock.advance(10_000);
    await expect(result).resolves.toEqual({ kind: 'ConfigMap' });
    expect(seen).toHaveLength(2);
  });

  it('does not resend a watch', async () => {
    const clock = new FakeClock();
    const { seen, url } = await apiserver((_, __, res) => answer(res, 429, { 'retry-after': '1' }));
    const rest = await client(url, { clock });

    const response = await rest.raw({ method: 'GET', path: '/x', query: { watch: true }, timeoutMs: 0 });
    expect(response.status).toBe(429);
    await response.arrayBuffer();
    expect(seen).toHaveLength(1);
  });

  it('stops waiting for a retry when the request is aborted', async () => {
    const clock = new FakeClock();
    const { seen, url } = await apiserver((_, __, res) => answer(res, 429, { 'retry-after': '5' }));
    const rest = await client(url, { clock });
    const abort = new AbortController();

    const result = rest.json({ method: 'GET', path: '/x', signal: abort.signal });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1));
    abort.abort(new Error('shutting down'));

    await expect(result).rejects.toThrow(new RequestAbortedError('GET', '/x', new Error('shutting down')));
    expect(clock.pendingTimers()).toBe(0);
    expect(seen).toHaveLength(1);
  });
});

describe('RestClient abort', () => {
  it('cancels a write the server is still holding: the connection closes, the call rejects as aborted, nothing is resent', async () => {
    const held: ServerResponse[] = [];
    const cancelled: string[] = [];
    const { seen, url } = await apiserver((entry, _, res) => {
      held.push(res);
      res.on('close', () => cancelled.push(`${entry.method} ${entry.url}`));
    });
    const kube = new KubeClient(await client(url, {}));
    const abort = new AbortController();

    const write = kube.create(
      { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
      { metadata: { namespace: 'a', name: 'b' } },
      { signal: abort.signal },
    );
    await vi.waitFor(() => expect(held).toHaveLength(1));
    abort.abort(new Error('graceful shutdown timeout passed'));

    let error: unknown = 'still pending';
    void write.then(
      () => (error = 'resolved'),
      (e: unknown) => (error = e),
    );
    await vi.waitFor(
      () => expect(error, 'the write rejects once aborted').toBeInstanceOf(RequestAbortedError),
      {
        timeout: 2_000,
      },
    );
    expect((error as Error).message).toBe(
      'POST /api/v1/namespaces/a/configmaps: aborted: graceful shutdown timeout passed',
    );
    await vi.waitFor(() =>
      expect(cancelled, 'the server sees the request cancelled').toEqual([
        'POST /api/v1/namespaces/a/configmaps?fieldManager=bench-operator',
      ]),
    );
    expect(seen).toHaveLength(1);
  });

  it('sends nothing, and counts no request, for a signal already aborted', async () => {
    const registry = new Registry();
    const { seen, url } = await apiserver((_, __, res) => answer(res, 200));
    const rest = await client(url, { registry });
    const signal = AbortSignal.abort(new Error('leadership ended'));

    await expect(rest.json({ method: 'PUT', path: '/x', body: {}, signal })).rejects.toThrow(
      new RequestAbortedError('PUT', '/x', new Error('leadership ended')),
    );
    expect(seen).toHaveLength(0);
    const requests = await registry.getSingleMetric('rest_client_requests_total')?.get();
    expect(requests?.values.filter((v) => v.value > 0)).toEqual([]);
  });
});

describe('RestClient rate limit', () => {
  it('starts at most burst requests at once, then qps per second', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const { seen, url } = await apiserver((_, __, res) => answer(res, 200));
    const rest = await client(url, { clock, registry, qps: 2, burst: 3 });

    const results = Array.from({ length: 6 }, (_, i) => rest.json({ method: 'GET', path: `/r/${i}` }));
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(clock.pendingTimers()).toBe(3);

    clock.advance(499);
    expect(clock.pendingTimers()).toBe(3);
    clock.advance(1);
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    clock.advance(500);
    await vi.waitFor(() => expect(seen).toHaveLength(5));
    clock.advance(500);
    await Promise.all(results);
    expect(seen).toHaveLength(6);

    // Three requests waited 0.5, 1 and 1.5 s for their tokens.
    expect(await registry.getSingleMetricAsString('rest_client_rate_limiter_duration_seconds')).toMatch(
      /rest_client_rate_limiter_duration_seconds_sum\{verb="GET",host="[^"]+"\} 3\n/,
    );
    expect(await registry.getSingleMetricAsString('rest_client_rate_limiter_duration_seconds')).toMatch(
      /rest_client_rate_limiter_duration_seconds_count\{verb="GET",host="[^"]+"\} 6$/,
    );
  });

  it('does not limit when qps is 0', async () => {
    const clock = new FakeClock();
    const { seen, url } = await apiserver((_, __, res) => answer(res, 200));
    const rest = await client(url, { clock, qps: 0, burst: 1 });

    await Promise.all(Array.from({ length: 20 }, () => rest.json({ method: 'GET', path: '/x' })));
    expect(seen).toHaveLength(20);
    expect(clock.pendingTimers()).toBe(0);
  });
});
