// The example suites (examples/) run with bench-runner as they are: every benchmark's arguments
// parse, and its dataset (a ConfigMap key, through the variable DATASET) is valid.
import { describe, expect, it } from 'vitest';
import { loadExamples } from '../../../test/support/crd-fixtures.ts';
import type { BenchmarkSuite } from '../../../operator/src/api/index.ts';
import { parseArguments, type BenchmarkOptions } from '../config/args.ts';
import { parseDataset } from './items.ts';
import { readDatasetSource } from './source.ts';

const objects = loadExamples().flatMap((f) => f.manifests);
const configMaps = new Map(
  objects
    .filter((o) => o.kind === 'ConfigMap')
    .map((o) => [(o.metadata as { name: string }).name, o.data as Record<string, string>]),
);
const runs = (objects.filter((o) => o.kind === 'BenchmarkSuite') as unknown as BenchmarkSuite[]).flatMap(
  (suite) => suite.spec.benchmarks.map((benchmark) => ({ suite, benchmark })),
);

describe('the example suites', () => {
  it('exist', () => {
    expect(runs.length).toBeGreaterThanOrEqual(4);
  });

  it.each(runs.map((r) => [`${r.suite.metadata!.name}/${r.benchmark.name}`, r] as const))(
    '%s: arguments and dataset are valid for bench-runner',
    async (_name, { suite, benchmark }) => {
      const args = [...(suite.spec.runner.args ?? []), ...(benchmark.args ?? [])];
      const options = parseArguments(args, () => {}) as BenchmarkOptions;
      const env: NodeJS.ProcessEnv = {};
      for (const variable of [...(suite.spec.runner.env ?? []), ...(benchmark.env ?? [])]) {
        const ref = variable.valueFrom?.configMapKeyRef;
        if (ref) env[variable.name] = configMaps.get(ref.name)?.[ref.key];
      }
      const items = parseDataset(await readDatasetSource(options.dataset, env), {
        mode: options.mode,
        defaultScorer: options.scorer,
      });
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((item) => item.scorer !== undefined)).toBe(true);
    },
  );
});
