// Every Job and pod name the operator's Jobs lead to, for every suite, benchmark and target name the
// CRD admits, checked against the rules of Kubernetes v1.36 (the versions the test cluster runs):
// - a Job name is a DNS subdomain (pkg/apis/batch/validation ValidateJob), and the API server copies
//   it into the pod template's `job-name` and `batch.kubernetes.io/job-name` labels
//   (pkg/registry/batch/job/strategy.go generateSelector), so it is also a label value;
// - an Indexed Job is refused unless `<name>-<completions-1>` is a DNS label (ValidateJob): the Job
//   controller makes `<name>-<index>` each pod's hostname (pkg/controller/job/job_controller.go);
// - pods are created with generateName `<name>-<index>-` for an Indexed Job, cut by the Job
//   controller to fit (indexed_job_utils.go podGenerateNameWithIndex), else `<name>-`
//   (pkg/controller/controller_utils.go getPodsPrefix), and the API server cuts a generateName to 58
//   characters before adding 5 random ones (k8s.io/apiserver/pkg/storage/names);
// - label values: at most 63 characters, alphanumeric at both ends, [-_.a-zA-Z0-9] between
//   (k8s.io/apimachinery/pkg/api/validate/content IsLabelValue).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schemas, type BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import type { JsonSchema } from '../../api/v1alpha1/schemas.ts';
import { validateManifest } from '../../validation/validate.ts';
import { renderJob, type JobRenderInput } from './job.ts';
import { jobName, MAX_JOB_NAME_LENGTH, MAX_SHARDS, runName } from './names.ts';

const RUNS = 1000;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const isDnsLabel = (value: string) => value.length <= 63 && DNS_LABEL.test(value);
const isDnsSubdomain = (value: string) => value.length <= 253 && DNS_SUBDOMAIN.test(value);
const isLabelValue = (value: string) => value.length <= 63 && LABEL_VALUE.test(value);

/** k8s.io/apiserver/pkg/storage/names: MaxGeneratedNameLength and the k8s.io/apimachinery/pkg/util/rand alphabet. */
const MAX_GENERATED_NAME_LENGTH = 58;
const RANDOM_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const generatedName = (base: string, random: string) =>
  `${base.slice(0, MAX_GENERATED_NAME_LENGTH)}${random}`;

/** pkg/controller/job/indexed_job_utils.go podGenerateNameWithIndex. */
function podGenerateNameWithIndex(job: string, index: number): string {
  const appendIndex = `-${index}-`;
  const prefix = job + appendIndex;
  return prefix.length > MAX_GENERATED_NAME_LENGTH
    ? prefix.slice(0, MAX_GENERATED_NAME_LENGTH - appendIndex.length) + appendIndex
    : prefix;
}

/** The limits the CRD sets, read from its schema, so the test follows the CRD when it changes. */
function child(schema: JsonSchema, ...path: string[]): JsonSchema {
  return path.reduce<JsonSchema>((node, key) => {
    const next =
      key === '[]' ? (node.items as JsonSchema) : (node.properties as Record<string, JsonSchema>)[key];
    if (!next) throw new Error(`the BenchmarkSuite schema has no ${path.join('.')}`);
    return next;
  }, schema);
}
const suiteSchema = schemas.BenchmarkSuite;
const benchmarkSchema = child(suiteSchema, 'spec', 'benchmarks', '[]');
const nameRule = (suiteSchema['x-kubernetes-validations'] as Array<{ rule: string }>)
  .map((r) => /^size\(self\.metadata\.name\) <= (\d+)$/.exec(r.rule))
  .find((m) => m !== null);
const LIMITS = {
  suite: nameRule ? Number(nameRule[1]) : 253,
  benchmark: child(benchmarkSchema, 'name').maxLength as number,
  target: child(suiteSchema, 'spec', 'targets', '[]', 'name').maxLength as number,
  shards: child(benchmarkSchema, 'shards').maximum as number,
  attempt: 2 ** 31 - 1,
};

/**
 * Makes a string of name characters a DNS subdomain of the same length: alphanumeric at both ends,
 * and a dot only between alphanumerics.
 */
function asDnsName(chars: string[]): string {
  const alphanumeric = (c: string | undefined) => c !== undefined && /^[a-z0-9]$/.test(c);
  for (let i = 0; i < chars.length; i++) {
    if ((i === 0 || i === chars.length - 1) && !alphanumeric(chars[i])) chars[i] = 'a';
    else if (chars[i] === '.') {
      if (!alphanumeric(chars[i - 1])) chars[i] = 'a';
      else if (!alphanumeric(chars[i + 1])) chars[i + 1] = 'a';
    }
  }
  return chars.join('');
}

/**
 * Names of up to maxLength characters, the longest often: from all letters and digits, or from a
 * few (so that parts repeat, and all-digit parts that look like rounds come up).
 */
function dnsName(maxLength: number, dots: boolean): fc.Arbitrary<string> {
  const separators = dots ? ['-', '-', '.'] : ['-', '-'];
  const alphabets = [
    [...'abcdefghijklmnopqrstuvwxyz0123456789', ...separators],
    [...'a12', ...separators],
  ];
  return fc
    .record({
      alphabet: fc.constantFrom(...alphabets),
      length: fc.oneof(
        fc.constant(maxLength),
        fc.integer({ min: 1, max: maxLength }),
        fc.integer({ min: 1, max: Math.min(6, maxLength) }),
      ),
    })
    .chain(({ alphabet, length }) =>
      fc.array(fc.constantFrom(...alphabet), { minLength: length, maxLength: length }),
    )
    .map(asDnsName);
}

const round = fc.oneof(
  fc.integer({ min: 1, max: 20 }),
  fc.constant(Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
);
const attempt = fc.oneof(
  fc.integer({ min: 1, max: 12 }),
  fc.constant(LIMITS.attempt),
  fc.integer({ min: 1, max: LIMITS.attempt }),
);
const shards = fc.oneof(
  fc.constant(1),
  fc.constant(LIMITS.shards),
  fc.integer({ min: 1, max: LIMITS.shards }),
);

const runInput = fc.record({
  suite: dnsName(LIMITS.suite, true),
  round,
  benchmark: dnsName(LIMITS.benchmark, false),
  target: dnsName(LIMITS.target, false),
  attempt,
  shards,
  provider: dnsName(63, true),
});
type RunInput = typeof runInput extends fc.Arbitrary<infer T> ? T : never;

function suiteOf(input: RunInput): BenchmarkSuite {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name: input.suite, namespace: 'team-a', uid: 'u-1', generation: 1 },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
      targets: [{ name: input.target, providerRef: 'openai', model: 'gpt-4o-mini' }],
      benchmarks: [{ name: input.benchmark, shards: input.shards }],
    },
  };
}

function render(input: RunInput) {
  const suite = suiteOf(input);
  const renderInput: JobRenderInput = {
    suite,
    round: input.round,
    benchmark: suite.spec.benchmarks[0],
    target: suite.spec.targets[0],
    attempt: input.attempt,
    provider: { metadata: { name: input.provider }, spec: { provider: 'openai' } },
    model: 'gpt-4o-mini',
  };
  return renderJob(renderInput);
}

/** What identifies a Job: a suite's run names stand for its benchmark and target pairs (runNameCollision). */
const identity = (i: { suite: string; round: number; benchmark: string; target: string; attempt: number }) =>
  JSON.stringify([i.suite, i.round, runName(i.benchmark, i.target), i.attempt]);

describe('the names of a run’s Job and pods', () => {
  it('are read from the CRD’s limits', () => {
    expect(LIMITS.suite).toBe(63);
    expect(LIMITS.benchmark).toBeGreaterThan(0);
    expect(LIMITS.target).toBeGreaterThan(0);
    // names.ts leaves room in Job names for the hostname of the CRD's highest shard index.
    expect(LIMITS.shards).toBe(MAX_SHARDS);
  });

  it('are valid for every suite, benchmark, target, round, attempt and shard count the CRD admits', () => {
    fc.assert(
      fc.property(
        runInput,
        fc.string({ unit: fc.constantFrom(...RANDOM_ALPHABET), minLength: 5, maxLength: 5 }),
        fc.nat(),
        (input, random, someIndex) => {
          expect(validateManifest(suiteOf(input)).errors).toEqual([]);
          const job = render(input);
          const name = job.metadata!.name!;
          expect(name).toBe(jobName(input.suite, input.round, input.benchmark, input.target, input.attempt));
          expect(isDnsLabel(name), `Job name ${name}: a DNS label`).toBe(true);
          expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);

          const labels = {
            ...job.metadata!.labels,
            ...job.spec!.template.metadata!.labels,
            'job-name': name,
            'batch.kubernetes.io/job-name': name,
          };
          for (const [key, value] of Object.entries(labels)) {
            expect(isLabelValue(value), `label ${key}=${value}: a label value`).toBe(true);
          }

          if (input.shards > 1) {
            expect(job.spec!.completionMode).toBe('Indexed');
            for (const index of [0, someIndex % input.shards, input.shards - 1]) {
              const hostname = `${name}-${index}`;
              expect(isDnsLabel(hostname), `pod hostname ${hostname}: a DNS label`).toBe(true);
              const pod = generatedName(podGenerateNameWithIndex(name, index), random);
              expect(isDnsSubdomain(pod), `pod name ${pod}: a DNS subdomain`).toBe(true);
            }
          } else {
            expect(job.spec!.completionMode).toBeUndefined();
            // The kubelet makes the pod's name its hostname.
            const pod = generatedName(`${name}-`, random);
            expect(isDnsSubdomain(pod), `pod name ${pod}: a DNS subdomain`).toBe(true);
            expect(isDnsLabel(pod), `pod hostname ${pod}: a DNS label`).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('differ between any two runs', () => {
    fc.assert(
      fc.property(runInput, runInput, (a, b) => {
        const [nameA, nameB] = [a, b].map((i) => jobName(i.suite, i.round, i.benchmark, i.target, i.attempt));
        expect(nameA === nameB, `${nameA} for both ${identity(a)} and ${identity(b)}`).toBe(
          identity(a) === identity(b),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('differ between the runs of one long-named suite, whose names are all cut to the same start', () => {
    const variation = fc.record({
      round: fc.integer({ min: 1, max: 3 }),
      benchmark: dnsName(4, false),
      target: dnsName(3, false),
      attempt: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(
        dnsName(LIMITS.suite, true).filter((s) => s.length > MAX_JOB_NAME_LENGTH - 12),
        fc.array(variation, { minLength: 2, maxLength: 20 }),
        (suite, variations) => {
          const names = new Map<string, string>();
          for (const v of variations) {
            const run = { suite, ...v };
            const name = jobName(suite, v.round, v.benchmark, v.target, v.attempt);
            const other = names.get(name);
            if (other !== undefined) expect(other, `${name} for two runs`).toBe(identity(run));
            names.set(name, identity(run));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('differ between inputs whose parts join to the same text', () => {
    // The parts of a name joined with dashes, read back every way the CRD admits: as suite, round,
    // benchmark, target and attempt, and with the suite's dashes as dots.
    const part = fc.constantFrom('a', 'b', '0', '1', '2', '10', 'a1', 'a2', 'a10');
    fc.assert(
      fc.property(fc.array(part, { minLength: 4, maxLength: 9 }), (parts) => {
        const names = new Map<string, string>();
        for (const input of readings(parts)) {
          const name = jobName(input.suite, input.round, input.benchmark, input.target, input.attempt);
          expect(isDnsLabel(name), `Job name ${name}: a DNS label`).toBe(true);
          const other = names.get(name);
          if (other !== undefined) expect(other, `${name} for two runs`).toBe(identity(input));
          names.set(name, identity(input));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** Every (suite, round, benchmark, target, attempt) the CRD admits that joins to these parts. */
function readings(parts: string[]) {
  const found: Array<{ suite: string; round: number; benchmark: string; target: string; attempt: number }> =
    [];
  const number = /^(0|[1-9][0-9]*)$/;
  const attemptPart = /^a([2-9]|[1-9][0-9]+)$/;
  for (let r = 1; r < parts.length - 2; r++) {
    if (!number.test(parts[r]!)) continue;
    const suiteParts = parts.slice(0, r);
    const rest = parts.slice(r + 1);
    const tails = [{ run: rest, attempt: 1 }];
    const last = attemptPart.exec(rest.at(-1)!);
    if (last && rest.length >= 3) tails.push({ run: rest.slice(0, -1), attempt: Number(last[1]) });
    for (const { run, attempt } of tails) {
      for (let t = 1; t < run.length; t++) {
        const benchmark = run.slice(0, t).join('-');
        const target = run.slice(t).join('-');
        if (benchmark.length > LIMITS.benchmark || target.length > LIMITS.target) continue;
        for (const suite of [suiteParts.join('-'), suiteParts.join('.')]) {
          if (suite.length > LIMITS.suite) continue;
          found.push({ suite, round: Number(parts[r]), benchmark, target, attempt });
        }
      }
    }
  }
  return found;
}
