// The operator's main.ts for BENCH_CPU_PROF=1 runs: node --cpu-prof writes its profile only when
// the process exits, so this exits 15 s after SIGTERM even if a handle keeps the loop alive.
process.on('SIGTERM', () => setTimeout(() => process.exit(0), 15_000).unref());
await import('../../operator/src/main.ts');
