// The runner contract is defined once in runner/src/contract/ (both the operator and bench-runner
// import it) and documented in docs/runner-contract.md for anyone writing another runner. These
// tests tie the two: the doc's tables of variables and exit codes say exactly what the module
// defines, and the Job the operator renders sets exactly the contract's variables.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJob } from '../../operator/src/core/render/job.ts';
import { jobInput } from '../../operator/src/core/render/test-input.ts';
import { RUNNER_ENV } from '../../runner/src/contract/env.ts';
import { EXIT } from '../../runner/src/contract/exit-codes.ts';

const doc = readFileSync(new URL('../../docs/runner-contract.md', import.meta.url), 'utf8');

/** The first cell of each body row of the first table under the `## <heading>` of the doc. */
function firstColumn(heading: string): string[] {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/runner-contract.md has no "## ${heading}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  const rows = doc
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('|'));
  // The header row and the |---| row come first.
  return rows.slice(2).map((row) => row.split('|')[1]!.trim());
}

describe('docs/runner-contract.md', () => {
  it('lists in its Environment table exactly the variables of the contract module', () => {
    const documented = firstColumn('Environment').map((cell) => cell.replace(/^`(.*)`$/, '$1'));
    expect(documented.toSorted()).toEqual(Object.values(RUNNER_ENV).toSorted());
  });

  it('lists in its Exit codes table exactly the codes of the contract module, and what others mean', () => {
    const documented = firstColumn('Exit codes');
    expect(documented.at(-1)).toBe('anything else');
    const codes = documented.slice(0, -1).map(Number);
    expect(codes).toEqual(Object.values(EXIT).toSorted((a, b) => a - b));
  });
});

describe('the Job the operator renders', () => {
  it('sets the contract variables and only those, when the provider, the judge and the artifact store use every one', () => {
    const base = jobInput({});
    const job = renderJob({
      ...base,
      target: { ...base.target, parameters: { topP: '0.9' } },
      provider: {
        metadata: { name: 'gateway' },
        spec: {
          provider: 'openai-compatible',
          endpoint: 'http://gateway.ai.svc:8080/v1',
          allowPlainHTTP: true,
          credentialsSecretRef: { name: 'gateway-key' },
          rateLimit: { requestsPerMinute: 600, tokensPerMinute: 100000 },
        },
      },
      model: 'gpt-4o-mini',
      artifacts: {
        bucket: 'bench-artifacts',
        prefix: '',
        endpoint: 'http://store:7070',
        region: 'eu',
        secret: 's',
      },
      judge: {
        spec: { providerRef: 'graders', model: 'judge-1', rubric: 'Is it right?' },
        provider: {
          metadata: { name: 'graders' },
          spec: {
            provider: 'openai-compatible',
            endpoint: 'http://graders:8080/v1',
            allowPlainHTTP: true,
            credentialsSecretRef: { name: 'graders-key' },
            rateLimit: { requestsPerMinute: 60, tokensPerMinute: 10000 },
          },
        },
      },
    });
    const names = job.spec!.template.spec!.containers[0]!.env!.map((variable) => variable.name);
    // The checkpoint is in the store here; BENCH_CHECKPOINT_DIR is its alternative (below).
    expect(names.toSorted()).toEqual(
      Object.values(RUNNER_ENV)
        .filter((name) => name !== RUNNER_ENV.checkpointDir)
        .toSorted(),
    );
    const inVolume = renderJob({
      ...base,
      suite: { ...base.suite, spec: { ...base.suite.spec, resume: { directory: '/checkpoints' } } },
    });
    const volumeNames = inVolume.spec!.template.spec!.containers[0]!.env!.map((variable) => variable.name);
    expect(volumeNames).toContain(RUNNER_ENV.checkpointDir);
    expect(volumeNames).not.toContain(RUNNER_ENV.checkpointUrl);
  });
});
