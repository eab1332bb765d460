// Whether the suite stalls: problems no retry can fix (a missing reference, an invalid schedule, a
// dependency cycle, resources or variables the Jobs cannot have, a model its provider does not
// allow), so nothing runs until someone fixes them.
import type { BenchmarkSuite, SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { mergeResources } from '../render/job.ts';
import { requestsAboveLimits } from '../resources/quantity.ts';
import type { StallReason } from '../status/suite-status.ts';
import { isValidTimeZone, parseSchedule } from '../schedule/cron.ts';
import type { SuiteInputs } from './inputs.ts';
import { findDependencyCycle, runNameCollision } from './runs.ts';

/** The ProviderPolicies a suite names: its targets' and its benchmarks' judges'. */
export function providerRefsOf(spec: BenchmarkSuite['spec']): string[] {
  return [
    ...new Set([
      ...spec.targets.map((t) => t.providerRef),
      ...spec.benchmarks.flatMap((b) => (b.judge ? [b.judge.providerRef] : [])),
    ]),
  ];
}

/** Problems that stop the suite until someone fixes them: references and the dependency graph. */
export function stallReason(
  inputs: Pick<SuiteInputs, 'suite' | 'providers' | 'schedulePolicy'>,
): StallReason | undefined {
  const { suite } = inputs;
  const missing: string[] = [];
  if (suite.spec.schedulePolicyRef && !inputs.schedulePolicy) {
    missing.push(`SchedulePolicy ${suite.spec.schedulePolicyRef}`);
  }
  const missingProviders = providerRefsOf(suite.spec).filter((name) => !inputs.providers.has(name));
  missing.push(...missingProviders.map((name) => `ProviderPolicy ${name}`));
  if (missing.length) {
    return {
      reason: 'ReferenceMissing',
      message: `${missing.join(' and ')} ${missing.length === 1 ? 'does' : 'do'} not exist in namespace ${suite.metadata?.namespace}; create ${missing.length === 1 ? 'it' : 'them'} or fix the reference`,
    };
  }
  const invalid = invalidSchedule(inputs.schedulePolicy);
  if (invalid) {
    return {
      reason: invalid.reason,
      message: `SchedulePolicy ${suite.spec.schedulePolicyRef}: ${invalid.message}; fix the policy`,
    };
  }
  const collision = runNameCollision(suite.spec);
  if (collision) return { reason: 'RunNameCollision', message: collision };
  const cycle = findDependencyCycle(suite.spec.benchmarks);
  if (cycle) {
    return {
      reason: 'DependencyCycle',
      message: `benchmarks depend on each other in a cycle: ${cycle.join(' → ')}`,
    };
  }
  const policyResources = inputs.schedulePolicy?.spec.resources;
  for (const benchmark of suite.spec.benchmarks) {
    const merged = mergeResources(policyResources, suite.spec.runner.resources, benchmark.resources);
    const above = requestsAboveLimits(merged);
    if (above.length) {
      return {
        reason: 'InvalidResources',
        message: `benchmark ${benchmark.name} would request more ${above.join(' and ')} than its limit once the SchedulePolicy's, the runner's and the benchmark's resources are merged (${JSON.stringify(merged)}); raise the limit or lower the request`,
      };
    }
  }
  const reference = runnerVariableReference(suite.spec);
  if (reference) {
    return {
      reason: 'RunnerVariableReference',
      message: `${reference} references a $(BENCH_...) variable: those belong to the runner contract, and the kubelet would expand one (BENCH_API_KEY among them) into it; remove the reference`,
    };
  }
  const asks = [
    ...suite.spec.targets.map((t) => ({
      who: `target ${t.name}`,
      providerRef: t.providerRef,
      model: t.model,
    })),
    ...suite.spec.benchmarks.flatMap((b) =>
      b.judge
        ? [
            {
              who: `the judge of benchmark ${b.name}`,
              providerRef: b.judge.providerRef,
              model: b.judge.model,
            },
          ]
        : [],
    ),
  ];
  for (const { who, providerRef, model } of asks) {
    const allowed = inputs.providers.get(providerRef)?.spec.models;
    if (allowed && allowed.length > 0 && !allowed.includes(model)) {
      return {
        reason: 'ModelNotAllowed',
        message: `${who} asks for model ${model}, which ProviderPolicy ${providerRef} does not allow (allowed: ${allowed.join(', ')})`,
      };
    }
  }
  return undefined;
}

/**
 * The first env value of the runner, or arg or env value of a benchmark, that names a
 * runner-contract variable for the kubelet to expand, as `benchmarks[i].args[j]`. The CRD refuses
 * these in the runner's command and args at apply time; for env values and per benchmark, CEL
 * rules would exceed the API server's cost budget for the schema (and the env var type is shared),
 * so they are checked here.
 */
function runnerVariableReference(spec: BenchmarkSuite['spec']): string | undefined {
  const env = (spec.runner.env ?? []).findIndex((e) => e.value?.includes(RUNNER_VARIABLE));
  if (env >= 0) return `runner.env[${env}].value`;
  for (const [i, benchmark] of spec.benchmarks.entries()) {
    const arg = (benchmark.args ?? []).findIndex((a) => a.includes(RUNNER_VARIABLE));
    if (arg >= 0) return `benchmarks[${i}].args[${arg}]`;
    const value = (benchmark.env ?? []).findIndex((e) => e.value?.includes(RUNNER_VARIABLE));
    if (value >= 0) return `benchmarks[${i}].env[${value}].value`;
  }
  return undefined;
}

const RUNNER_VARIABLE = '$(BENCH_';

/** Why a SchedulePolicy's schedule or time zone cannot be used, if so: InvalidTimeZone or InvalidSchedule. */
export function invalidSchedule(policy: SchedulePolicy | undefined): StallReason | undefined {
  if (!policy) return undefined;
  const timeZone = policy.spec.timeZone ?? 'UTC';
  // Windows use the time zone too, with or without a schedule.
  if (!isValidTimeZone(timeZone)) {
    return {
      reason: 'InvalidTimeZone',
      message: `time zone '${timeZone}' is not a known IANA time zone (e.g. Europe/Berlin)`,
    };
  }
  if (policy.spec.schedule === undefined) return undefined;
  const parsed = parseSchedule(policy.spec.schedule, timeZone);
  return parsed.ok ? undefined : { reason: 'InvalidSchedule', message: parsed.message };
}
