// Whatever a run's pods and Jobs say, the status the operator computes from them is one the CRD
// accepts: every shape of termination message bench-runner writes (any number of categories, any
// error, any usage, partial results, shards), other runners' and the end of a log, for suites the
// CRD admits, through the path the reconciler takes (observeAttempt, deriveRunStates,
// computeSuiteStatus), checked with the CRD's own schema (the generated validator).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../../runner/src/evaluate/summary.ts';
import type { ItemResult } from '../../../../runner/src/evaluate/item-result.ts';
import { terminationMessage } from '../../../../runner/src/outcome/termination-message.ts';
import { API_VERSION, type BenchmarkSuite, type ProviderPolicy } from '../../api/index.ts';
import { validateManifest } from '../../validation/validate.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import { observeAttempt, type JobView, type PodView } from '../suite/observe.ts';
import { HEADLINE_METRICS } from '../suite/result.ts';
import { roundRecordToCreate } from '../suite/round-record.ts';
import { withCosts } from '../suite/run-costs.ts';
import { deriveRunStates } from '../suite/run-state.ts';
import { expandRuns } from '../suite/runs.ts';
import { jsonBytes } from './json-size.ts';
import { requestedAtToken } from './requested-at.ts';
import { computeSuiteStatus, STATUS_MAX_BYTES, type SuiteStatus } from './suite-status.ts';
import { statusStrings } from './test-strings.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Any text: any code point, lone surrogates included. */
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
/** A DNS label of at most `max` characters, as the CRD's name patterns say. */
const label = (max: number) =>
  fc
    .stringMatching(new RegExp(`^[a-z0-9]([-a-z0-9]{0,${max - 2}}[a-z0-9])?$`))
    .filter((s) => s.length <= max);
/** Text without whitespace, as `^\S+$` admits (the API server decodes no lone surrogate). */
const nonSpace = (max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: max })
    .map((s) => s.toWellFormed().replace(/\s/gu, '_'))
    .filter((s) => [...s].length <= max);
const time = fc.integer({ min: NOW - 86_400_000, max: NOW }).map(iso);
/** A number as JSON carries it: any finite double, big and small ones more often. */
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e300, -1e300, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 63),
);
const tokens = fc.oneof(fc.nat(), number, fc.constantFrom(1e300, Number.MAX_SAFE_INTEGER * 4));

/** A suite the CRD admits: names at any length their patterns allow, up to 4 × 4 runs. */
const suite = fc.record({
  name: label(63),
  generation: fc.integer({ min: 1, max: 2 ** 31 }),
  targets: fc.uniqueArray(fc.record({ name: label(20), providerRef: label(63), model: nonSpace(256) }), {
    selector: (t) => t.name,
    minLength: 1,
    maxLength: 4,
  }),
  benchmarks: fc.uniqueArray(fc.record({ name: label(40), shards: fc.integer({ min: 1, max: 100 }) }), {
    selector: (b) => b.name,
    minLength: 1,
    maxLength: 4,
  }),
  retryLimit: fc.integer({ min: 0, max: 10 }),
  /** The price per million tokens (input and output) of every provider, as the CRD admits it. */
  price: fc.option(fc.constantFrom('0', '0.000000001', '2.5', '999999999999999.999999999'), {
    nil: undefined,
  }),
  annotation: fc.option(fc.oneof(anyText(40), anyText(2_000)), { nil: undefined }),
});

/** The targets' ProviderPolicies, all at `price` (or without prices). */
function pricedProviders(targets: Array<{ providerRef: string }>, price: string | undefined) {
  const cost = price && { currency: 'USD', inputPerMillionTokens: price, outputPerMillionTokens: price };
  return new Map(
    targets.map(({ providerRef }) => [
      providerRef,
      {
        metadata: { name: providerRef },
        spec: { provider: 'openai', ...(cost ? { cost } : {}) },
      } as ProviderPolicy,
    ]),
  );
}

/** Absent mostly: Kubernetes' own say about a pod is the exception. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** Text of any length up to `max`, long text as often as short. */
const anyLength = (max: number) =>
  fc.oneof(anyText(100), fc.string({ unit: 'binary', minLength: Math.min(400, max), maxLength: max }));

/** bench-runner's result from items of 0 to 200 categories, each named anyhow, as summarize makes it. */
const summarized = fc
  .record({
    mode: fc.constantFrom<'accuracy' | 'latency'>('accuracy', 'latency'),
    categories: fc
      // Uniform: every count of categories as likely as the next, not mostly small ones.
      .tuple(fc.noBias(fc.integer({ min: 0, max: 200 })), anyText(40))
      .map(([n, stem]) => Array.from({ length: n }, (_, i) => `${stem}${i}`)),
    items: fc.noBias(fc.integer({ min: 0, max: 400 })),
    // Shares of the items, in percent (doubles in [0, 1] are mostly tiny ones).
    answered: fc.noBias(fc.integer({ min: 0, max: 100 })),
    correct: fc.noBias(fc.integer({ min: 0, max: 100 })),
    interrupted: fc.boolean(),
    retries: fc.nat(),
    usage: fc.option(fc.record({ inputTokens: tokens, outputTokens: tokens }), { nil: undefined }),
  })
  .map((r) => {
    const results = Array.from({ length: r.items }, (_, i): ItemResult => {
      const answered = i < (r.items * r.answered) / 100;
      return {
        index: i,
        line: i + 1,
        ...(r.categories.length ? { category: r.categories[i % r.categories.length]! } : {}),
        status: answered ? 'answered' : 'failed',
        ...(answered
          ? { correct: i < (r.items * r.correct) / 100, latencyMs: 100 + i, timeToFirstTokenMs: 20 + i }
          : {}),
        usage: { inputTokens: 200, outputTokens: 20 },
      };
    });
    const result = summarize({
      mode: r.mode,
      items: r.items,
      results,
      elapsedMs: 1_000 + r.items,
      interrupted: r.interrupted,
      retries: r.retries,
    });
    return r.usage ? { ...result, usage: r.usage } : result;
  });

/** Any result bench-runner's writer is given: any metric names and numbers, NaN and Infinity too. */
const written = fc.record({
  score: fc.option(fc.double(), { nil: undefined }),
  metrics: fc.dictionary(fc.oneof(anyText(80), fc.constantFrom(...HEADLINE_METRICS)), fc.double(), {
    maxKeys: 150,
  }),
  usage: fc.record({ inputTokens: tokens, outputTokens: tokens }),
});

/** bench-runner's termination message: its result, with its error when it failed (any length, any code point). */
const runnerMessage = (failed: boolean) =>
  fc
    .tuple(
      fc.oneof({ weight: 3, arbitrary: summarized }, { weight: 1, arbitrary: written }),
      failed ? anyLength(5_000) : fc.constant(undefined),
    )
    .map(([result, error]) => terminationMessage({ ...result, ...(error !== undefined ? { error } : {}) }));

/** Every termination message a run's container leaves, bench-runner's most often. */
const message = (failed: boolean) =>
  fc.oneof(
    { weight: 8, arbitrary: runnerMessage(failed) },
    // Another runner's JSON, any shape.
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    // No result: the end of the log (FallbackToLogsOnError), at most 4 KiB.
    { weight: 1, arbitrary: anyLength(4_096) },
  );

/** A pod of an attempt: finished with its runner's message, or stopped or held by Kubernetes. */
const pod = (succeeded: boolean) =>
  fc.record({
    exitCode: succeeded
      ? fc.constant(0)
      : fc.oneof(fc.constantFrom(1, 2, 10, 11, 12, 20, 21, 22, 137, 143), fc.nat(255)),
    message: message(!succeeded),
    terminatedReason: rarely(fc.constantFrom('Error', 'OOMKilled', 'Completed', 'ContainerCannotRun')),
    podReason: rarely(fc.oneof(fc.constant('Evicted'), anyText(80))),
    podMessage: anyLength(2_000),
    disruption: rarely(
      fc.constantFrom('PreemptionByScheduler', 'EvictionByEvictionAPI', 'TerminationByKubelet'),
    ),
  });

const pendingPod = fc.record({
  waiting: fc.option(
    fc.record({
      reason: fc.oneof(
        fc.constantFrom('ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError'),
        anyText(80),
      ),
      message: anyText(2_000),
    }),
    { nil: undefined },
  ),
  unschedulable: fc.option(anyText(2_000), { nil: undefined }),
  created: time,
});

/** One Job of a run: running, succeeded or failed, with its pods. */
const attempt = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      phase: fc.constant<'Active'>('Active'),
      pods: fc.array(pendingPod, { maxLength: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      phase: fc.constantFrom<'Succeeded' | 'Failed'>('Succeeded', 'Failed'),
      // The shards: several pods' results combine into the run's.
      pods: fc.array(pod(true), { minLength: 1, maxLength: 4 }),
      failed: pod(false),
      reason: fc.oneof(
        fc.constantFrom('BackoffLimitExceeded', 'DeadlineExceeded', 'PodFailurePolicy'),
        anyText(60),
      ),
      conditionMessage: anyLength(1_000),
    }),
  },
);

const runAttempts = fc.record({
  attempts: fc.array(attempt, { minLength: 1, maxLength: 2 }),
  provider: fc.option(fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/), {
    nil: undefined,
  }),
  model: fc.option(anyText(400), { nil: undefined }),
  stop: rarely(fc.record({ reason: anyText(100), message: anyLength(1_000) })),
  started: time,
});

/** The annotations with which the operator stops an attempt that cannot start (its own words). */
const STOP_REASON = 'bench.dev/stop-reason';
const STOP_MESSAGE = 'bench.dev/stop-message';

type Generated<T> = T extends fc.Arbitrary<infer U> ? U : never;

function jobsOf(
  s: Generated<typeof suite>,
  run: { name: string; target: { providerRef: string; model: string } },
  generated: Generated<typeof runAttempts>,
): Array<{ job: JobView; pods: PodView[] }> {
  return generated.attempts.map((a, i) => {
    const name = `${s.name}-1-${run.name}-a${i + 1}`.slice(0, 63);
    const job: JobView = {
      metadata: {
        name,
        labels: {
          [LABELS.run]: run.name,
          [LABELS.round]: '1',
          [LABELS.attempt]: String(i + 1),
          [LABELS.provider]: generated.provider ?? run.target.providerRef,
        },
        annotations: {
          [ANNOTATIONS.model]: generated.model ?? run.target.model,
          ...(generated.stop && i === generated.attempts.length - 1
            ? { [STOP_REASON]: generated.stop.reason, [STOP_MESSAGE]: generated.stop.message }
            : {}),
        },
        creationTimestamp: generated.started,
      },
      status: { startTime: generated.started },
    };
    if (a.phase === 'Active') {
      // Pending pods' fields, as the informer keeps them: a cast, so the test reads the same
      // whichever of these fields PodView names.
      const pods = a.pods.map((p, k) => ({
        metadata: { name: `${name}-${k}`, creationTimestamp: p.created },
        status: {
          phase: 'Pending',
          ...(p.unschedulable !== undefined
            ? {
                conditions: [
                  {
                    type: 'PodScheduled',
                    status: 'False',
                    reason: 'Unschedulable',
                    message: p.unschedulable,
                  },
                ],
              }
            : {}),
          ...(p.waiting ? { containerStatuses: [{ name: 'runner', state: { waiting: p.waiting } }] } : {}),
        },
      }));
      job.status = { ...job.status, active: pods.length };
      return { job, pods };
    }
    const finished = iso(NOW - 1_000);
    job.status = {
      ...job.status,
      completionTime: finished,
      conditions: [
        {
          type: a.phase === 'Succeeded' ? 'Complete' : 'Failed',
          status: 'True',
          ...(a.phase === 'Failed' ? { reason: a.reason, message: a.conditionMessage } : {}),
          lastTransitionTime: finished,
        },
      ],
    };
    const shardPods = a.phase === 'Succeeded' ? a.pods : [...a.pods.slice(1), a.failed];
    const pods = shardPods.map((p, k) => ({
      metadata: { name: `${name}-${k}` },
      status: {
        phase: p.exitCode === 0 ? 'Succeeded' : 'Failed',
        ...(p.podReason !== undefined ? { reason: p.podReason, message: p.podMessage } : {}),
        ...(p.disruption
          ? {
              conditions: [
                { type: 'DisruptionTarget', status: 'True', reason: p.disruption, message: p.podMessage },
              ],
            }
          : {}),
        containerStatuses: [
          {
            name: 'runner',
            state: {
              terminated: {
                exitCode: p.exitCode,
                message: p.message,
                ...(p.terminatedReason ? { reason: p.terminatedReason } : {}),
              },
            },
          },
        ],
      },
    }));
    return { job, pods };
  });
}

/**
 * The suite with this status is what the API server accepts and stores as it is: it validates
 * against the CRD's schema, nothing is lost on the wire, every string is well-formed (Go would
 * replace a lone surrogate, and the status would then never equal what the operator computes),
 * token counts are integers JS counts exactly (the schema's int64, which the validator does not
 * bound), and it is within STATUS_MAX_BYTES.
 */
function expectAccepted(object: BenchmarkSuite & { status: SuiteStatus }): void {
  const wire = JSON.parse(JSON.stringify(object)) as typeof object;
  expect(wire.status).toEqual(object.status);
  expect(validateManifest(wire).errors).toEqual([]);
  expect(statusStrings(object.status).filter((s) => !s.isWellFormed())).toEqual([]);
  for (const run of object.status.runs ?? []) {
    for (const n of [run.result?.usage?.inputTokens, run.result?.usage?.outputTokens]) {
      if (n !== undefined) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
    }
  }
  expect(jsonBytes(object.status)).toBeLessThanOrEqual(STATUS_MAX_BYTES);
}

describe('the status of any suite, whatever its runs’ pods say (properties)', () => {
  // 1000 cases of up to 16 runs with 4 KiB messages, validated whole: generous for a loaded machine.
  it('is accepted by the CRD’s schema', { timeout: 600_000 }, () => {
    fc.assert(
      fc.property(
        suite,
        fc.array(runAttempts, { minLength: 1, maxLength: 4 }),
        fc.option(fc.record({ reason: anyText(100), message: anyText(3_000) }), { nil: undefined }),
        (s, generated, waiting) => {
          const spec: BenchmarkSuite['spec'] = {
            runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
            targets: s.targets as BenchmarkSuite['spec']['targets'],
            benchmarks: s.benchmarks as BenchmarkSuite['spec']['benchmarks'],
            retry: { limit: s.retryLimit },
          };
          const metadata = {
            name: s.name,
            namespace: 'ns',
            generation: s.generation,
            ...(s.annotation !== undefined
              ? { annotations: { [ANNOTATIONS.requestedAt]: s.annotation } }
              : {}),
          };
          const specs = expandRuns(spec);
          const observed = specs.map((run, i) =>
            jobsOf(s, run, generated[i % generated.length]!).map(({ job, pods }) =>
              observeAttempt(job, pods),
            ),
          );
          const runs = withCosts(
            deriveRunStates(
              specs.map((run, i) => ({
                spec: run,
                attempts: observed[i]!,
                retry: spec.retry,
                suiteKey: `ns/${s.name}`,
                now: NOW,
              })),
            ),
            pricedProviders(s.targets, s.price),
          );
          const status = computeSuiteStatus({
            suite: { metadata, spec },
            round: 1,
            runs,
            waiting: new Map(waiting ? specs.map((r) => [r.name, waiting]) : []),
            extra: {
              roundGeneration: s.generation,
              ...(s.annotation ? { lastHandledRequestedAt: requestedAtToken(s.annotation) } : {}),
            },
            now: new Date(NOW),
          });
          const object = {
            apiVersion: API_VERSION,
            kind: 'BenchmarkSuite',
            metadata,
            spec,
            status,
          } as BenchmarkSuite & {
            status: SuiteStatus;
          };
          expectAccepted(object);
          // The round's record, once its runs are all done, is one the CRD accepts too.
          const record = roundRecordToCreate(
            { ...object, metadata: { ...metadata, uid: 'uid-suite' } },
            { ...status, round: 1, completionTime: status.completionTime ?? iso(NOW) },
            [],
          )!;
          expect(validateManifest(JSON.parse(JSON.stringify(record)) as typeof record).errors).toEqual([]);

          // Once the Jobs are gone (their TTL), what status holds is read back and written again.
          const again = computeSuiteStatus({
            suite: object,
            round: 1,
            runs: withCosts(
              deriveRunStates(
                specs.map((run) => ({
                  spec: run,
                  attempts: [],
                  previous: status.runs!.find((r) => r.name === run.name),
                  retry: spec.retry,
                  suiteKey: `ns/${s.name}`,
                  now: NOW,
                })),
              ),
              // Prices changed since: a finished run keeps the costs it was written with.
              pricedProviders(s.targets, s.price && '7'),
            ),
            waiting: new Map(),
            now: new Date(NOW),
          });
          expectAccepted({ ...object, status: again });
          for (const entry of again.runs!) {
            const before = status.runs!.find((r) => r.name === entry.name)!;
            if (['Succeeded', 'Failed', 'Blocked'].includes(before.state)) expect(entry).toEqual(before);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
