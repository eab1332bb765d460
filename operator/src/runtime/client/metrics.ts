import { Counter, Histogram, type Registry } from 'prom-client';

export interface RestClientMetrics {
  requests: Counter<'code' | 'method' | 'host'>;
  duration: Histogram<'verb' | 'host'>;
  rateLimiterDuration: Histogram<'verb' | 'host'>;
  retries: Counter<'code' | 'verb' | 'host'>;
}

const byRegistry = new WeakMap<Registry, RestClientMetrics>();

/** client-go's rest_client_* metrics, created once per registry. */
export function restClientMetrics(registry: Registry): RestClientMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const created: RestClientMetrics = {
    requests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host.',
      labelNames: ['code', 'method', 'host'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'rest_client_request_duration_seconds',
      help: 'Request latency in seconds (to response headers). Broken down by verb and host.',
      labelNames: ['verb', 'host'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers: [registry],
    }),
    rateLimiterDuration: new Histogram({
      name: 'rest_client_rate_limiter_duration_seconds',
      help: 'Client side rate limiter latency in seconds. Broken down by verb, and host.',
      labelNames: ['verb', 'host'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'rest_client_request_retries_total',
      help: 'Number of request retries, partitioned by status code, verb, and host.',
      labelNames: ['code', 'verb', 'host'],
      registers: [registry],
    }),
  };
  byRegistry.set(registry, created);
  return created;
}
