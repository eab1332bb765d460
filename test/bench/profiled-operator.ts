// The operator's main.ts with what the benchmarks measure from inside it:
// - BENCH_MEMORY_SAMPLES=<file>: process.memoryUsage() (rss, heapTotal, heapUsed, external,
//   arrayBuffers, in bytes) appended to the file as a JSON line every BENCH_MEMORY_INTERVAL_MS
//   (250), so the harness can say what the resident set was made of at its peak; and after each
//   full garbage collection (`afterMajorGc`), when heapUsed is the live heap.
// - BENCH_PROFILE=<file>: the V8 sampling profiler; on SIGTERM the profile goes to the file (a
//   .cpuprofile for Chrome DevTools / speedscope) and the process exits. Not `node --cpu-prof`:
//   that writes only on a clean exit, and a saturated operator may not exit promptly.
// Heap snapshots need nothing here: the harness passes `--heapsnapshot-signal=SIGUSR2`.
import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

const samples = process.env.BENCH_MEMORY_SAMPLES;
if (samples) {
  writeFileSync(samples, '');
  const sample = (afterMajorGc: boolean) =>
    appendFileSync(
      samples,
      `${JSON.stringify({ at: Date.now(), ...(afterMajorGc ? { afterMajorGc } : {}), ...process.memoryUsage() })}\n`,
    );
  sample(false);
  setInterval(() => sample(false), Number(process.env.BENCH_MEMORY_INTERVAL_MS ?? 250)).unref();
  // Right after a full collection heapUsed is the live heap, without forcing a collection (which
  // would lower the peak being measured).
  new PerformanceObserver((list) => {
    const entries = list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>;
    if (entries.some((entry) => entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) sample(true);
  }).observe({ entryTypes: ['gc'] });
}

const profile = process.env.BENCH_PROFILE;
if (profile) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  process.on('SIGTERM', () => {
    void session.post('Profiler.stop').then(({ profile: result }) => {
      writeFileSync(profile, JSON.stringify(result));
      process.exit(0);
    });
  });
}
await import('../../operator/src/main.ts');
