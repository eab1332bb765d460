// The operator's main.ts under the V8 sampling profiler, for BENCH_CPU_PROF=1 runs. Not `node
// --cpu-prof`: that writes only on a clean exit, and a saturated operator may not exit promptly.
// On SIGTERM the profile goes to $BENCH_PROFILE (a .cpuprofile for Chrome DevTools / speedscope)
// and the process exits.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const file = process.env.BENCH_PROFILE ?? 'operator.cpuprofile';
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 1000 });
await session.post('Profiler.start');
process.on('SIGTERM', () => {
  void session.post('Profiler.stop').then(({ profile }) => {
    writeFileSync(file, JSON.stringify(profile));
    process.exit(0);
  });
});
await import('../../operator/src/main.ts');
