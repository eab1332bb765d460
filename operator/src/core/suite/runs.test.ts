import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { expandRuns, findDependencyCycle, runNameCollision } from './runs.ts';

const spec = (
  benchmarks: BenchmarkSuite['spec']['benchmarks'],
  targets = ['x', 'y'],
): BenchmarkSuite['spec'] => ({
  runner: { image: 'r' },
  targets: targets.map((name) => ({
    name,
    providerRef: 'p',
    model: 'm',
  })) as BenchmarkSuite['spec']['targets'],
  benchmarks,
});

describe('runs of a suite', () => {
  it('expands benchmarks in dependency order, each for every target', () => {
    const runs = expandRuns(spec([{ name: 'eval', dependsOn: ['setup'] }, { name: 'setup' }]));
    expect(runs.map((r) => r.name)).toEqual(['setup-x', 'setup-y', 'eval-x', 'eval-y']);
    expect(runs.map((r) => r.order)).toEqual([0, 1, 2, 3]);
  });

  it('finds dependency cycles, naming them', () => {
    expect(
      findDependencyCycle(
        spec([
          { name: 'a', dependsOn: ['b'] },
          { name: 'b', dependsOn: ['c'] },
          { name: 'c', dependsOn: ['a'] },
        ]).benchmarks,
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findDependencyCycle(spec([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]).benchmarks),
    ).toBeUndefined();
  });

  it('detects two runs that would share a name', () => {
    expect(runNameCollision(spec([{ name: 'a-b' }, { name: 'a' }], ['c', 'b-c']))).toBe(
      'benchmark a-b with target c and benchmark a with target b-c would both be run a-b-c: rename one of them',
    );
    expect(runNameCollision(spec([{ name: 'a' }]))).toBeUndefined();
  });
});
