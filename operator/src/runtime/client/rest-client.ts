import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { Agent, fetch, ProxyAgent, type Dispatcher, type Response } from 'undici';
import { ApiError, RequestAbortedError } from './errors.ts';
import { restClientMetrics, type RestClientMetrics } from './metrics.ts';
import { defaultMaxRetries, delay, RequestRateLimiter, retryDelayMs } from './request-retry.ts';
import { realClock, type Clock } from '../time/clock.ts';

const authHeadersTtlMs = 10_000;

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /**
   * The caller's abort (a reconcile's, on shutdown or lost leadership): cancels the request in
   * flight or its wait for a retry, which then rejects with RequestAbortedError and is not resent.
   */
  signal?: AbortSignal;
  /** Per-request deadline; watches pass 0 (none) and rely on timeoutSeconds and stall detection. */
  timeoutMs?: number;
  /** The Accept header; application/json when absent. */
  accept?: string;
}

export interface RestClientOptions {
  registry?: Registry;
  userAgent?: string;
  defaultTimeoutMs?: number;
  /** Client-side request starts per second (rest.Config's QPS); 0 or less: no client-side limit. */
  qps?: number;
  /** Requests that may start at once before qps applies (rest.Config's Burst). */
  burst?: number;
  /** Resends of a request answered 429 (or 5xx with Retry-After, reads only); client-go's 10. */
  maxRetries?: number;
  clock?: Clock;
}

/**
 * The single choke point for every API request the runtime makes, so each one is authenticated,
 * timed and counted in rest_client_requests_total like client-go's.
 *
 * Why not client-node's generated APIs or KubernetesObjectApi: in 2.0.x they build a new undici
 * Agent for every request (KubeConfig.applySecurityAuthentication → createDispatcher), so no
 * connection is reused; they expose no hook to see status codes of failed calls for metrics; and
 * they cannot stream a watch with our own stall detection. client-node still does the hard part —
 * kubeconfig parsing, exec/OIDC/token-file auth, TLS material — through applyToHTTPSOptions and
 * createDispatcherOptions; we only keep one dispatcher and call undici's fetch ourselves.
 */
export class RestClient {
  readonly server: URL;
  private readonly kc: KubeConfig;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly metrics: RestClientMetrics | undefined;
  private readonly userAgent: string;
  private readonly defaultTimeoutMs: number;
  private readonly limiter: RequestRateLimiter;
  private readonly maxRetries: number;
  private readonly clock: Clock;
  private auth: { headers: Record<string, string>; at: number } | undefined;

  private constructor(kc: KubeConfig, dispatcher: Dispatcher | undefined, options: RestClientOptions) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.kc = kc;
    this.dispatcher = dispatcher;
    this.metrics = options.registry ? restClientMetrics(options.registry) : undefined;
    this.userAgent = options.userAgent ?? 'bench-operator';
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.clock = options.clock ?? realClock;
    this.limiter = new RequestRateLimiter(options.qps ?? 0, options.burst ?? 0, this.clock);
    this.maxRetries = options.maxRetries ?? defaultMaxRetries;
  }

  static async create(kc: KubeConfig, options: RestClientOptions = {}): Promise<RestClient> {
    const tls: RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    const dispatcherOptions = kc.createDispatcherOptions(kc.getCurrentCluster(), {
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
      ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
    });
    let dispatcher: Dispatcher | undefined;
    switch (dispatcherOptions.type) {
      case 'agent':
        dispatcher = new Agent({ connect: dispatcherOptions.connect, connections: 64 });
        break;
      case 'proxy':
        dispatcher = new ProxyAgent({ uri: dispatcherOptions.uri, requestTls: dispatcherOptions.requestTls });
        break;
      case 'socks':
        throw new Error('SOCKS proxies in kubeconfig are not supported by bench-operator');
      case 'none':
        dispatcher = undefined;
    }
    return new RestClient(kc, dispatcher, options);
  }

  /**
   * Sends a request and returns the raw response (any status); the caller owns the body. Every
   * attempt first waits for the rate limiter; a 429 (or a read's 5xx with Retry-After) is sent
   * again after Retry-After, up to maxRetries times, and then returned as is. Watches are not
   * resent here: the informer's reflector already backs off and relists. Once `request.signal`
   * aborts, nothing more is sent and the call rejects with RequestAbortedError.
   */
  async raw(request: RawRequest): Promise<Response> {
    try {
      return await this.attempts(request);
    } catch (error) {
      throw abortedOr(error, request);
    }
  }

  private async attempts(request: RawRequest): Promise<Response> {
    const url = new URL(request.path, this.server);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const retries = request.query?.watch ? 0 : this.maxRetries;
    for (let attempt = 0; ; attempt++) {
      const waitedMs = await this.limiter.wait(request.signal);
      this.metrics?.rateLimiterDuration.observe({ verb: request.method, host: url.host }, waitedMs / 1000);
      request.signal?.throwIfAborted();
      const response = await this.send(url, request);
      const retryInMs =
        attempt < retries
          ? retryDelayMs(request.method, response.status, response.headers.get('retry-after'))
          : undefined;
      if (retryInMs === undefined) return response;
      // Read to the end so the connection goes back to the pool instead of being left half-read.
      await response.arrayBuffer().catch(() => undefined);
      this.metrics?.retries.inc({ code: String(response.status), verb: request.method, host: url.host });
      await delay(this.clock, retryInMs, request.signal);
    }
  }

  private async send(url: URL, request: RawRequest): Promise<Response> {
    const headers = await this.authHeaders();
    headers['user-agent'] = this.userAgent;
    headers.accept = request.accept ?? 'application/json';
    if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const signals = [request.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const started = performance.now();
    let code = '<error>';
    try {
      const response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        dispatcher: this.dispatcher,
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      });
      code = String(response.status);
      if (response.status === 401) this.auth = undefined;
      return response;
    } finally {
      const host = url.host;
      this.metrics?.requests.inc({ code, method: request.method, host });
      this.metrics?.duration.observe({ verb: request.method, host }, (performance.now() - started) / 1000);
    }
  }

  /** Sends a request and parses the JSON answer; a non-2xx answer becomes an ApiError. */
  async json<T>(request: RawRequest): Promise<T> {
    const response = await this.raw(request);
    // The body streams after the headers: an abort while reading it is an abort too.
    const text = await response.text().catch((error: unknown) => {
      throw abortedOr(error, request);
    });
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, request.method, request.path, parsed);
    return parsed as T;
  }

  // Exec-plugin, OIDC and projected ServiceAccount tokens rotate, so headers are refreshed every
  // few seconds, and at once after a 401. Not per request: applyToHTTPSOptions re-reads certificate
  // files each call (~0.2 ms of blocking I/O), which adds up at thousands of requests.
  private async authHeaders(): Promise<Record<string, string>> {
    const now = Date.now();
    if (this.auth && now - this.auth.at < authHeadersTtlMs) return { ...this.auth.headers };
    const options: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined)
        headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    this.auth = { headers, at: now };
    return { ...headers };
  }
}

/** The caller aborted: whatever the abort made fetch or a wait throw becomes a RequestAbortedError. */
function abortedOr(error: unknown, request: RawRequest): unknown {
  if (!request.signal?.aborted || error instanceof RequestAbortedError) return error;
  return new RequestAbortedError(request.method, request.path, request.signal.reason);
}
