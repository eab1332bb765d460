// Benchmark: what bench-runner's request pipeline (runner/src/client/pipeline.ts: rate budgets,
// bounded concurrency, timeout, retries) and the OpenAI-compatible adapter cost per request, against
// a provider that answers instantly, compared with a bare `fetch` loop against the same server in
// the same run. No cluster. Run by `make bench` (hack/bench.sh), or alone:
//
//   node test/bench/runner-throughput.ts
//
// Environment: BENCH_RUNNER_CONCURRENCY (1,16,64), BENCH_RUNNER_SECONDS (1: one measurement),
// BENCH_RUNNER_ROUNDS (5). Writes .cache/bench/runner-throughput.json.
//
// The provider is the loopback fake (runner/test/fakes/serve.ts --instant) in a process of its
// own, so it does not share this process's event loop. For each concurrency, N workers each send
// one request after the other for BENCH_RUNNER_SECONDS, in four ways, taking turns so that load
// from elsewhere on the machine falls on all of them alike, BENCH_RUNNER_ROUNDS times each:
//   - bare:      fetch POST of the same JSON body, reading the JSON reply;
//   - adapter:   the openai-compatible adapter alone (request building, reply parsing, errors);
//   - pipeline:  createPipeline over that adapter, with an abort signal as bench-runner passes one;
//   - limited:   the same with request and token budgets set high enough never to wait, so the
//                sliding-window bookkeeping is paid but nothing is held back.
// Reported per way: requests per second (all rounds' requests over all rounds' time), its ratio to
// bare's (the median of the rounds' ratios, each round's ways measured one right after the other, so
// a burst of load from elsewhere skews one round rather than the result), latency p50/p99, and this
// process's CPU per request. The pipeline's added latency per request is its call's duration minus
// the adapter's measured latency (response.latencyMs, from the adapter's start to the reply
// parsed): time spent in the pipeline's layers, waiting for the event loop included. Last, the
// pipeline's own CPU per call without HTTP, which other load on the machine hardly changes:
// BENCH_RUNNER_OWN_CALLS calls (200,000) at concurrency 64 over an adapter that answers at once.
// Goal: pipeline at least 0.9 of bare's requests per second at concurrency 64. On a machine busier
// than its CPUs (load average above their number) requests per second mostly measure the other
// load: the output says so.
//
// bench: no-cluster
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPipeline } from '../../runner/src/client/pipeline.ts';
import { createProvider } from '../../runner/src/providers/index.ts';
import type { CompletionRequest, CompletionResponse } from '../../runner/src/providers/types.ts';
import { cpuSecondsOf, log, percentile, resultsDir, spawnNode } from './support.ts';

const CONCURRENCY = (process.env.BENCH_RUNNER_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_RUNNER_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_RUNNER_ROUNDS ?? 5);
const OWN_CALLS = Number(process.env.BENCH_RUNNER_OWN_CALLS ?? 200_000);
const WARMUP_MS = 500;
const GOAL = { concurrency: 64, ratio: 0.9 };
const WAYS = ['bare', 'adapter', 'pipeline', 'limited'] as const;
type Way = (typeof WAYS)[number];

const API_KEY = 'sk-bench';
const request: CompletionRequest = {
  model: 'bench-model',
  messages: [{ role: 'user', content: 'What is two plus two? Answer with a number.' }],
  maxOutputTokens: 16,
};

interface Sample {
  requests: number;
  ms: number;
  cpuMs: number;
  latencies: number[];
  /** Pipeline ways only: call duration minus the adapter's own latency. */
  overheads: number[];
}

/** One way of sending a request; resolves with the adapter's latency when there is an adapter. */
type Send = () => Promise<CompletionResponse | undefined>;

function sends(url: string, concurrency: number, signal: AbortSignal): Record<Way, Send> {
  const provider = createProvider({
    type: 'openai-compatible',
    endpoint: `${url}/v1`,
    apiKey: API_KEY,
    parameters: {},
  });
  const pipelineOptions = { concurrency, requestTimeoutMs: 60_000, maxAttempts: 3, signal };
  const pipeline = createPipeline(provider, pipelineOptions);
  const limited = createPipeline(provider, {
    ...pipelineOptions,
    requestsPerMinute: 1_000_000_000,
    tokensPerMinute: 1_000_000_000,
  });
  const bareBody = {
    model: request.model,
    messages: request.messages,
    max_tokens: request.maxOutputTokens,
    stream: false,
  };
  return {
    async bare() {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify(bareBody),
      });
      if (!response.ok) throw new Error(`bare fetch: HTTP ${response.status}`);
      await response.json();
      return undefined;
    },
    adapter: () => provider.complete(request),
    pipeline: () => pipeline.complete(request, 64),
    limited: () => limited.complete(request, 64),
  };
}

async function measure(send: Send, concurrency: number, ms: number, overheads: boolean): Promise<Sample> {
  const sample: Sample = { requests: 0, ms: 0, cpuMs: 0, latencies: [], overheads: [] };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const begun = performance.now();
      const response = await send();
      const took = performance.now() - begun;
      sample.requests++;
      sample.latencies.push(took);
      if (overheads && response) sample.overheads.push(took - response.latencyMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  sample.ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  sample.cpuMs = (used.user + used.system) / 1000;
  return sample;
}

const perSecond = (s: Sample) => (s.requests / s.ms) * 1000;

function merge(samples: Sample[]): Sample {
  return {
    requests: samples.reduce((sum, s) => sum + s.requests, 0),
    ms: samples.reduce((sum, s) => sum + s.ms, 0),
    cpuMs: samples.reduce((sum, s) => sum + s.cpuMs, 0),
    latencies: samples.flatMap((s) => s.latencies),
    overheads: samples.flatMap((s) => s.overheads),
  };
}

interface WayResult {
  requests: number;
  requestsPerSecond: number;
  /** The median over the rounds of this way's requests per second over bare's. */
  ratioToBare: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuPerRequestUs: number;
  addedLatencyP50Ms?: number;
  addedLatencyP99Ms?: number;
}

/** CPU µs per call of the pipeline alone, over an adapter that answers at once, with and without budgets. */
async function pipelineOwnCpu(signal: AbortSignal): Promise<{ plainUs: number; limitedUs: number }> {
  const answer: CompletionResponse = {
    text: 'ok',
    usage: { inputTokens: 12, outputTokens: 1 },
    finishReason: 'stop',
    latencyMs: 0,
  };
  const adapter = { type: 'openai-compatible' as const, complete: () => Promise.resolve(answer) };
  const cpuPerCall = async (budgets: { requestsPerMinute?: number; tokensPerMinute?: number }) => {
    const pipeline = createPipeline(adapter, {
      concurrency: 64,
      requestTimeoutMs: 60_000,
      maxAttempts: 3,
      signal,
      ...budgets,
    });
    let sent = 0;
    const run = async (calls: number) => {
      sent = 0;
      const worker = async () => {
        while (sent++ < calls) await pipeline.complete(request, 64);
      };
      await Promise.all(Array.from({ length: 64 }, worker));
    };
    await run(OWN_CALLS / 10);
    const cpu = process.cpuUsage();
    await run(OWN_CALLS);
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / OWN_CALLS;
  };
  return {
    plainUs: await cpuPerCall({}),
    limitedUs: await cpuPerCall({ requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000 }),
  };
}

async function main(): Promise<void> {
  const server = spawnNode(
    'runner-throughput-provider',
    ['runner/test/fakes/serve.ts', 'openai-compatible', '--instant'],
    {},
  );
  const abort = new AbortController();
  try {
    const url = await server.waitForOutput(/"url":"([^"]+)"/, 30_000);
    log(`runner throughput: provider ${url} (pid ${server.child.pid}), ${ROUNDS} rounds of ${SECONDS} s`);
    const results: Record<string, Record<Way, WayResult>> = {};
    const serverCpuStart = cpuSecondsOf(server.child.pid!);
    for (const concurrency of CONCURRENCY) {
      const ways = sends(url, concurrency, abort.signal);
      for (const way of WAYS) await measure(ways[way], concurrency, WARMUP_MS, false);
      const samples = Object.fromEntries(WAYS.map((way) => [way, [] as Sample[]])) as Record<Way, Sample[]>;
      for (let round = 0; round < ROUNDS; round++) {
        // Each round starts with another way, so none always follows the same one (and its garbage).
        for (const way of [...WAYS.slice(round % WAYS.length), ...WAYS.slice(0, round % WAYS.length)]) {
          samples[way].push(await measure(ways[way], concurrency, SECONDS * 1000, way !== 'bare'));
        }
      }
      const merged = Object.fromEntries(WAYS.map((way) => [way, merge(samples[way])])) as Record<Way, Sample>;
      results[concurrency] = Object.fromEntries(
        WAYS.map((way) => {
          const s = merged[way];
          const ratios = samples[way].map(
            (sample, round) => perSecond(sample) / perSecond(samples.bare[round]!),
          );
          const result: WayResult = {
            requests: s.requests,
            requestsPerSecond: perSecond(s),
            ratioToBare: percentile(ratios, 50),
            latencyP50Ms: percentile(s.latencies, 50),
            latencyP99Ms: percentile(s.latencies, 99),
            cpuPerRequestUs: (s.cpuMs / s.requests) * 1000,
            ...(way === 'pipeline' || way === 'limited'
              ? {
                  addedLatencyP50Ms: percentile(s.overheads, 50),
                  addedLatencyP99Ms: percentile(s.overheads, 99),
                }
              : {}),
          };
          return [way, result];
        }),
      ) as Record<Way, WayResult>;
      const r = results[concurrency];
      log(
        `concurrency ${concurrency}: bare ${r.bare.requestsPerSecond.toFixed(0)}/s, pipeline ${r.pipeline.requestsPerSecond.toFixed(0)}/s (${r.pipeline.ratioToBare.toFixed(3)})`,
      );
    }
    const serverCpuSeconds = cpuSecondsOf(server.child.pid!) - serverCpuStart;
    const own = await pipelineOwnCpu(abort.signal);

    // Two processes of this benchmark: anything beyond that competes with them for the CPUs.
    const busy = os.loadavg()[0]! > os.cpus().length;
    const atGoal = results[GOAL.concurrency];
    const goalRatio = atGoal ? Math.min(atGoal.pipeline.ratioToBare, atGoal.limited.ratioToBare) : undefined;
    const output = {
      benchmark: 'runner-throughput',
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      busy,
      secondsPerMeasurement: SECONDS,
      rounds: ROUNDS,
      providerCpuSeconds: serverCpuSeconds,
      results,
      pipelineOwnCpuPerCallUs: { withoutBudgets: own.plainUs, withBudgets: own.limitedUs },
      goal: {
        description: `pipeline (with and without rate budgets) >= ${GOAL.ratio} of a bare fetch loop's requests per second at concurrency ${GOAL.concurrency}`,
        ...(goalRatio !== undefined ? { met: goalRatio >= GOAL.ratio, ratio: goalRatio } : {}),
      },
    };
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, 'runner-throughput.json');
    writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);

    const header = [
      'concurrency',
      'way',
      'req/s',
      'vs bare',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'added p50 ms',
      'added p99 ms',
    ];
    const rows = Object.entries(results).flatMap(([concurrency, byWay]) =>
      WAYS.map((way) => {
        const r = byWay[way];
        return [
          concurrency,
          way,
          r.requestsPerSecond.toFixed(0),
          r.ratioToBare.toFixed(3),
          r.latencyP50Ms.toFixed(3),
          r.latencyP99Ms.toFixed(3),
          r.cpuPerRequestUs.toFixed(0),
          r.addedLatencyP50Ms?.toFixed(3) ?? '',
          r.addedLatencyP99Ms?.toFixed(3) ?? '',
        ];
      }),
    );
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
    const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
    process.stderr.write(
      `${[
        `runner throughput against an instant loopback provider (${process.version}, ${os.cpus().length} CPUs)`,
        rule,
        line(header),
        rule,
        ...rows.map(line),
        rule,
        goalRatio !== undefined
          ? `goal ${output.goal.description}: ${goalRatio >= GOAL.ratio ? 'met' : 'NOT met'} (${goalRatio.toFixed(3)})`
          : `goal not measured (concurrency ${GOAL.concurrency} not in BENCH_RUNNER_CONCURRENCY)`,
        `the pipeline's own CPU per call (no HTTP, concurrency 64): ${own.plainUs.toFixed(1)} µs, ${own.limitedUs.toFixed(1)} µs with budgets`,
        ...(busy
          ? [
              `the machine is busy (load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs): requests per second and their ratios mostly measure the other load; the pipeline's own CPU per call does not`,
            ]
          : []),
        `provider process CPU: ${serverCpuSeconds.toFixed(1)} s; load average (1/5/15 min): ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' / ')}`,
        `results: ${path.relative(process.cwd(), file)}`,
      ].join('\n')}\n`,
    );
  } finally {
    abort.abort(new Error('benchmark over'));
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
