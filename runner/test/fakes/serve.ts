/**
 * Runs one fake provider as its own process, for benchmarks (the fake must not share the runner's
 * event loop) and for trying bench-runner by hand:
 *
 *   node runner/test/fakes/serve.ts <provider type> [--instant] [--api-key KEY] [--answer TEXT] [--delay-ms N]
 *
 * Prints one JSON line `{"url": "http://127.0.0.1:<port>"}` once listening; stops on SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';
import type { ProviderType } from '../../src/providers/types.ts';
import { PROVIDER_TYPES } from '../../src/config/env.ts';
import { startFakeFor } from './index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    instant: { type: 'boolean', default: false },
    'api-key': { type: 'string' },
    answer: { type: 'string' },
    'delay-ms': { type: 'string' },
  },
});

const type = positionals[0] as ProviderType | undefined;
if (!type || !PROVIDER_TYPES.includes(type)) {
  process.stderr.write(
    `usage: serve.ts <${PROVIDER_TYPES.join('|')}> [--instant] [--api-key KEY] [--answer TEXT] [--delay-ms N]\n`,
  );
  process.exit(2);
}
const delayMs = values['delay-ms'] === undefined ? undefined : Number(values['delay-ms']);
if (delayMs !== undefined && !(delayMs >= 0)) {
  process.stderr.write(`--delay-ms must be a number of milliseconds, not ${values['delay-ms']}\n`);
  process.exit(2);
}

const answer = values.answer;
const fake = await startFakeFor(type, {
  instant: values.instant,
  ...(values['api-key'] !== undefined ? { apiKey: values['api-key'] } : {}),
  ...(answer !== undefined ? { answer: () => answer } : {}),
  ...(delayMs !== undefined ? { delayMs } : {}),
});
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void fake.close().then(() => process.exit(0)));
}
