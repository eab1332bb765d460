import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_VERSION, type BenchmarkSuite } from '../../api/index.ts';
import { validateManifest } from '../../validation/validate.ts';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import type { JobView } from '../suite/observe.ts';
import { roundState } from '../suite/round-state.ts';
import { REQUESTED_AT_MAX_LENGTH, requestedAtToken } from './requested-at.ts';

function suite(annotation: string, status?: BenchmarkSuite['status']): BenchmarkSuite {
  return {
    apiVersion: API_VERSION,
    kind: 'BenchmarkSuite',
    metadata: {
      name: 's',
      namespace: 'ns',
      generation: 1,
      annotations: { [ANNOTATIONS.requestedAt]: annotation },
    },
    spec: {
      runner: { image: 'runner' },
      targets: [{ name: 't', providerRef: 'p', model: 'm' }],
      benchmarks: [{ name: 'b' }],
    },
    ...(status ? { status } : {}),
  };
}

const finishedJob: JobView = {
  metadata: { name: 's-1-b-t', labels: { [LABELS.round]: '1' } },
  status: { conditions: [{ type: 'Complete', status: 'True' }] },
};

/** The status after round 1 was started for `annotation`, as the reconciler writes it. */
const handled = (annotation: string): BenchmarkSuite['status'] => ({
  round: 1,
  roundGeneration: 1,
  observedGeneration: 1,
  lastHandledRequestedAt: requestedAtToken(annotation),
});

const points = (text: string) => [...text].length;

describe('requestedAtToken', () => {
  it('is the value itself when status can hold it', () => {
    expect(requestedAtToken('2026-11-22T12:00:00+01:00')).toBe('2026-11-22T12:00:00+01:00');
    expect(requestedAtToken('')).toBe('');
    // 256 characters in 512 UTF-16 units still fit: the API server counts characters.
    expect(requestedAtToken('😀'.repeat(REQUESTED_AT_MAX_LENGTH))).toBe('😀'.repeat(REQUESTED_AT_MAX_LENGTH));
  });

  it('is the digest of a longer value: the same for the same value, another for another', () => {
    const long = `${'x'.repeat(REQUESTED_AT_MAX_LENGTH)}1`;
    expect(requestedAtToken(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(requestedAtToken(long)).toBe(requestedAtToken(long));
    // Two values alike up to any cut are two requests.
    expect(requestedAtToken(`${'x'.repeat(REQUESTED_AT_MAX_LENGTH)}2`)).not.toBe(requestedAtToken(long));
  });

  // Validating 1000 objects: generous for a loaded machine.
  it('fits status, is its own form, and tells values apart (properties)', { timeout: 120_000 }, () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'binary', minLength: 250, maxLength: 5_000 }),
    );
    fc.assert(
      fc.property(value, value, (a, b) => {
        const token = requestedAtToken(a);
        expect(points(token)).toBeLessThanOrEqual(REQUESTED_AT_MAX_LENGTH);
        expect(token.isWellFormed()).toBe(true);
        expect(requestedAtToken(token)).toBe(token);
        if (a.toWellFormed() !== b.toWellFormed()) expect(requestedAtToken(b)).not.toBe(token);
        const object = { ...suite('x'), status: { lastHandledRequestedAt: token } };
        expect(validateManifest(JSON.parse(JSON.stringify(object))).errors).toEqual([]);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('a re-run request too long for status', () => {
  const long = `re-run ${'after the incident of last night, '.repeat(40)}`;

  it('starts one round, and no more once status holds its digest', () => {
    expect(points(long)).toBeGreaterThan(REQUESTED_AT_MAX_LENGTH);
    const first = roundState(suite(long, { round: 1, roundGeneration: 1, observedGeneration: 1 }), [
      finishedJob,
    ]);
    expect(first.startNew).toBe(true);
    // The Event and audit record quote the start of the value, not all of it.
    expect(first.why).toMatch(
      /^a re-run was requested \(bench\.dev\/requested-at: re-run after the incident.*…\)$/u,
    );
    expect(points(first.why)).toBeLessThan(150);

    expect(roundState(suite(long, handled(long)), [finishedJob]).startNew).toBe(false);
    const next = `${long}again`;
    expect(roundState(suite(next, handled(long)), [finishedJob]).startNew).toBe(true);
  });

  it('whatever the value, the round it started is not started again (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 3_000 }), (value) => {
        // The API server stores annotations as UTF-8: no lone surrogate reaches the operator.
        const annotation = value.toWellFormed();
        expect(roundState(suite(annotation, handled(annotation)), [finishedJob]).startNew).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });
});
