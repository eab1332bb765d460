import { describe, expect, it } from 'vitest';
import { ApiError } from '../../runtime/client/errors.ts';
import {
  REJECTION_BACKOFF,
  RejectionBook,
  rejectionDelayMs,
  SERVER_MESSAGE_LENGTH,
  TRANSIENT_BACKOFF,
  TransientBackoff,
  type RefusedAttempt,
} from './rejections.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const attempt: RefusedAttempt = {
  suite: 'ns/s',
  run: 'b-t',
  round: 1,
  attempt: 1,
  job: 's-1-b-t',
  inputs: 'uid/1/1/-',
};
const invalid = (message = 'admission denied: Jobs of suite s are not allowed') =>
  new ApiError(422, 'PATCH', '/apis/batch/v1/namespaces/ns/jobs/s-1-b-t', { reason: 'Invalid', message });

describe('rejectionDelayMs', () => {
  it('doubles from 10 s and stays at 5 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50, 5000].map(rejectionDelayMs)).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000,
    ]);
    expect(REJECTION_BACKOFF.maxMs).toBe(300_000);
  });
});

describe('RejectionBook', () => {
  it('counts refusals of the same attempt in a row, each waiting twice as long', () => {
    const book = new RejectionBook();
    const first = book.refuse(attempt, invalid(), NOW);
    expect(first).toMatchObject({ refusals: 1, retryAt: NOW + 10_000, code: 422, statusReason: 'Invalid' });
    expect(first.message).toBe(
      'the API server refused Job s-1-b-t (422 Invalid): admission denied: Jobs of suite s are not allowed; refused 1 time, trying again at 2026-11-22T12:00:10.000Z',
    );
    const second = book.refuse(attempt, invalid(), NOW + 10_000);
    expect(second).toMatchObject({ refusals: 2, retryAt: NOW + 30_000 });
    expect(second.message).toContain('refused 2 times, trying again at 2026-11-22T12:00:30.000Z');
  });

  it("holds the run's next attempt while its inputs are the same, until the Job is created", () => {
    const book = new RejectionBook();
    book.refuse(attempt, invalid(), NOW);
    const same = () => ({ attempt: 1, inputs: attempt.inputs });
    expect(book.holds('ns/s', 1, same)).toEqual(
      new Map([
        [
          'b-t',
          {
            reason: 'JobRejected',
            message: expect.stringContaining('refused 1 time') as unknown,
            until: NOW + 10_000,
          },
        ],
      ]),
    );
    expect(book.holds('ns/other', 1, same)).toBeUndefined();
    book.created('ns/s', 'b-t');
    expect(book.holds('ns/s', 1, same)).toBeUndefined();
    expect(book.size).toBe(0);
  });

  it('forgets a refusal once it no longer matches the run: new inputs, another attempt or round, not admissible', () => {
    for (const next of [
      { round: 1, attempt: 1, inputs: 'uid/2/1/-' },
      { round: 1, attempt: 2, inputs: attempt.inputs },
      { round: 2, attempt: 1, inputs: attempt.inputs },
      undefined,
    ]) {
      const book = new RejectionBook();
      book.refuse(attempt, invalid(), NOW);
      expect(
        book.holds('ns/s', next?.round ?? 1, () => next),
        JSON.stringify(next),
      ).toBeUndefined();
      expect(book.size).toBe(0);
      // The next refusal starts over.
      expect(book.refuse({ ...attempt, ...next }, invalid(), NOW + 1_000).refusals).toBe(1);
    }
  });

  it('drops the refusals of suites no longer scheduled', () => {
    const book = new RejectionBook();
    book.refuse(attempt, invalid(), NOW);
    book.refuse({ ...attempt, suite: 'ns/t' }, invalid(), NOW);
    book.retainSuites(new Set(['ns/t']));
    expect(book.size).toBe(1);
    expect(book.holds('ns/t', 1, () => ({ attempt: 1, inputs: attempt.inputs }))?.size).toBe(1);
  });

  it("quotes at most SERVER_MESSAGE_LENGTH characters of the server's message, whole code points only", () => {
    const book = new RejectionBook();
    const long = '🚫'.repeat(1000);
    const { message } = book.refuse(attempt, invalid(long), NOW);
    const quoted = message.slice(message.indexOf('): ') + 3, message.indexOf('; refused'));
    expect([...quoted]).toHaveLength(SERVER_MESSAGE_LENGTH);
    expect(quoted.endsWith('🚫…')).toBe(true);
    expect([...message].length).toBeLessThanOrEqual(512);
  });

  it('keeps decisions until they are on record', () => {
    const book = new RejectionBook();
    const record = { id: 'a' } as never;
    book.toRecord(record);
    book.toRecord({ id: 'b' } as never);
    book.markRecorded([record]);
    expect(book.unrecorded().map((r) => r.id)).toEqual(['b']);
  });
});

describe('TransientBackoff', () => {
  it('doubles from 1 s up to 30 s while passes fail, and starts over after one that does not', () => {
    const backoff = new TransientBackoff();
    expect(Array.from({ length: 7 }, () => backoff.failed())).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect(TRANSIENT_BACKOFF.maxMs).toBe(30_000);
    backoff.succeeded();
    expect(backoff.failed()).toBe(1_000);
  });
});
