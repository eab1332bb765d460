import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import { runName } from '../render/names.ts';

export type Benchmark = BenchmarkSuite['spec']['benchmarks'][number];
export type Target = BenchmarkSuite['spec']['targets'][number];

/** One benchmark for one target: the unit the operator schedules, retries and reports. */
export interface RunSpec {
  name: string;
  benchmark: Benchmark;
  target: Target;
  /** Position in the suite: benchmarks in dependency order, then targets in spec order. */
  order: number;
}

/**
 * Expands a suite into its runs, benchmark by benchmark in dependency order (so a run's
 * dependencies always come before it), each for every target in spec order. Assumes no cycle:
 * check with findDependencyCycle first.
 */
export function expandRuns(spec: BenchmarkSuite['spec']): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const benchmark of dependencyOrder(spec.benchmarks)) {
    for (const target of spec.targets) {
      runs.push({ name: runName(benchmark.name, target.name), benchmark, target, order: runs.length });
    }
  }
  return runs;
}

/** Benchmarks sorted so each comes after the ones it depends on; ties keep spec order. */
function dependencyOrder(benchmarks: Benchmark[]): Benchmark[] {
  const byName = new Map(benchmarks.map((b) => [b.name, b]));
  const placed = new Set<string>();
  const ordered: Benchmark[] = [];
  const visit = (benchmark: Benchmark): void => {
    if (placed.has(benchmark.name)) return;
    placed.add(benchmark.name);
    for (const dependency of benchmark.dependsOn ?? []) {
      const target = byName.get(dependency);
      if (target) visit(target);
    }
    ordered.push(benchmark);
  };
  benchmarks.forEach(visit);
  return ordered;
}

/**
 * A dependency cycle among benchmarks, as the list of names around it (first name repeated at the
 * end), or undefined. The API server checks that dependsOn names exist and are not self
 * references; a longer cycle needs graph analysis, so it is found here.
 */
export function findDependencyCycle(benchmarks: Benchmark[]): string[] | undefined {
  const byName = new Map(benchmarks.map((b) => [b.name, b]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dependency)) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const benchmark of benchmarks) {
    const cycle = visit(benchmark.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Runs are named `<benchmark>-<target>` (in status, and in their Jobs' `bench.dev/run` label):
 * benchmark `a-b` with target `c` and benchmark `a` with target `b-c` would share one. Returns a
 * message naming such a pair.
 */
export function runNameCollision(spec: BenchmarkSuite['spec']): string | undefined {
  const seen = new Map<string, string>();
  for (const benchmark of spec.benchmarks) {
    for (const target of spec.targets) {
      const name = runName(benchmark.name, target.name);
      const pair = `benchmark ${benchmark.name} with target ${target.name}`;
      const other = seen.get(name);
      if (other) return `${other} and ${pair} would both be run ${name}: rename one of them`;
      seen.set(name, pair);
    }
  }
  return undefined;
}
