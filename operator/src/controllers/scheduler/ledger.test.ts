import { describe, expect, it } from 'vitest';
import { activeAttempt } from '../../core/suite/test-attempts.ts';
import { ADMISSION_EXPECTATION_TTL_MS, AdmissionLedger } from './ledger.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const attempt = (job: string) => activeAttempt(job);

describe('AdmissionLedger', () => {
  it('counts a created Job until the cache shows it', () => {
    const ledger = new AdmissionLedger();
    ledger.add('ns/a', attempt('a-1-b-t'), NOW);
    ledger.add('ns/b', attempt('b-1-b-t'), NOW);
    expect(ledger.forSuite('ns/a').map((a) => a.job)).toEqual(['a-1-b-t']);
    ledger.settle('ns/a', 'a-1-b-t');
    expect(ledger.forSuite('ns/a')).toEqual([]);
    expect(ledger.size).toBe(1);
  });

  it('lets a Job never seen (created and deleted while the watch was down) go after the expectation TTL', () => {
    const ledger = new AdmissionLedger();
    ledger.add('ns/a', attempt('a-1-b-t'), NOW);
    ledger.add('ns/a', attempt('a-1-c-t'), NOW + 60_000);
    expect(ledger.nextExpiry()).toBe(NOW + ADMISSION_EXPECTATION_TTL_MS);
    expect(ledger.expire(NOW + ADMISSION_EXPECTATION_TTL_MS - 1)).toEqual([]);
    expect(ledger.expire(NOW + ADMISSION_EXPECTATION_TTL_MS)).toEqual(['ns/a']);
    expect(ledger.forSuite('ns/a').map((a) => a.job)).toEqual(['a-1-c-t']);
    expect(ledger.nextExpiry()).toBe(NOW + 60_000 + ADMISSION_EXPECTATION_TTL_MS);
    expect(ledger.expire(NOW + 60_000 + ADMISSION_EXPECTATION_TTL_MS)).toEqual(['ns/a']);
    expect(ledger.size).toBe(0);
    expect(ledger.nextExpiry()).toBeUndefined();
  });
});
