import { describe, expect, it } from 'vitest';
import { documentedVerifier } from '../../../test/support/audit-verifier.ts';
import { signatureHeader } from './signature.ts';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const body = '{"id":"u-1/r1/RoundStarted","specversion":"1.0"}';
const now = Date.parse('2026-11-22T12:00:00Z');
const t = now / 1000;

describe('request signatures', () => {
  it('are HMAC-SHA256 over "<timestamp>.<body>"', () => {
    expect(signatureHeader(body, key, t)).toMatch(/^t=1795348800,v1=[0-9a-f]{64}$/);
    expect(signatureHeader(body, key, t)).toBe(signatureHeader(body, key, t));
    expect(signatureHeader(body, key, t + 1)).not.toBe(signatureHeader(body, key, t));
  });

  it('pass the verifier of docs/audit.md, and a tampered, stale, foreign or missing one does not', async () => {
    const verify = await documentedVerifier();
    const header = signatureHeader(body, key, t);
    expect(() => verify(body, header, key, { now })).not.toThrow();
    expect(() => verify(body, header, key.toString(), { now: now + 299_000 })).not.toThrow();
    expect(() => verify(body.replace('r1', 'r2'), header, key, { now })).toThrow(/does not match/);
    expect(() => verify(body, header, key, { now: now + 301_000 })).toThrow(/replay window/);
    expect(() => verify(body, signatureHeader(body, key, t - 3600), key, { now })).toThrow(/replay window/);
    expect(() => verify(body, header, Buffer.from('another key'), { now })).toThrow(/does not match/);
    expect(() => verify(body, undefined, key, { now })).toThrow(/malformed/);
    expect(() => verify(body, 't=abc,v1=00', key, { now })).toThrow(/malformed/);
  });
});
