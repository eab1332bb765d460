import { describe, expect, it } from 'vitest';
import { claimLease, heldByOther, releasedLease } from './lease-record.ts';

const now = new Date('2026-11-22T08:00:00.123Z');
const later = new Date('2026-11-22T08:00:10Z');

describe('claimLease', () => {
  it('acquires an empty lease with MicroTime timestamps and no transition', () => {
    expect(claimLease(undefined, 'a', 15, now)).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-11-22T08:00:00.123000Z',
      renewTime: '2026-11-22T08:00:00.123000Z',
      leaseTransitions: 0,
    });
  });

  it('renews keeping acquireTime and transitions; taking over counts a transition', () => {
    const held = claimLease(undefined, 'a', 15, now);
    const renewed = claimLease(held, 'a', 15, later);
    expect(renewed.acquireTime).toBe(held.acquireTime);
    expect(renewed.renewTime).toBe('2026-11-22T08:00:10.000000Z');
    expect(renewed.leaseTransitions).toBe(0);
    expect(claimLease(renewed, 'b', 15, later)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });
});

describe('releasedLease / heldByOther', () => {
  it('a released lease is free for anyone', () => {
    const released = releasedLease(claimLease(undefined, 'a', 15, now), now);
    expect(released).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(heldByOther(released, 'b', 0, 0)).toBe(false);
  });

  it('another holder owns the lease until a full duration after we last saw it change', () => {
    const held = claimLease(undefined, 'a', 15, now);
    expect(heldByOther(held, 'b', 1_000, 15_999)).toBe(true);
    expect(heldByOther(held, 'b', 1_000, 16_000)).toBe(false);
    expect(heldByOther(held, 'a', 1_000, 2_000), 'our own lease').toBe(false);
  });
});
