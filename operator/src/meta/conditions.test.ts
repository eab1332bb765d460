import { describe, expect, it } from 'vitest';
import { findCondition, isConditionTrue, metaTime, removeCondition, setCondition } from './conditions.ts';

const t0 = new Date('2026-11-22T08:00:00.456Z');
const t1 = new Date('2026-11-22T09:00:00Z');

describe('setCondition', () => {
  it('adds a condition with the transition time in whole seconds', () => {
    const conditions = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'Pending', message: '' },
      t0,
    );
    expect(conditions).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Pending',
        message: '',
        lastTransitionTime: '2026-11-22T08:00:00Z',
      },
    ]);
  });

  it('keeps lastTransitionTime when the status is unchanged, but updates reason, message and generation', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: 'a' }, t0);
    const after = setCondition(
      before,
      { type: 'Ready', status: 'False', reason: 'Waiting', message: 'b', observedGeneration: 3 },
      t1,
    );
    expect(after[0]).toMatchObject({ reason: 'Waiting', message: 'b', observedGeneration: 3 });
    expect(after[0]?.lastTransitionTime).toBe('2026-11-22T08:00:00Z');
    expect(before[0]?.reason, 'the input is not mutated').toBe('Pending');
  });

  it('moves lastTransitionTime when the status changes', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: '' }, t0);
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'Done', message: '' }, t1);
    expect(after[0]?.lastTransitionTime).toBe(metaTime(t1));
    expect(isConditionTrue(after, 'Ready')).toBe(true);
  });

  it('finds and removes by type', () => {
    const conditions = setCondition(
      setCondition([], { type: 'Ready', status: 'True', reason: 'R', message: '' }, t0),
      { type: 'Stalled', status: 'False', reason: 'S', message: '' },
      t0,
    );
    expect(findCondition(conditions, 'Stalled')?.reason).toBe('S');
    expect(removeCondition(conditions, 'Ready').map((c) => c.type)).toEqual(['Stalled']);
  });
});
