import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../../test/support/audit-records.ts';
import type { DecisionRecord } from '../core/decisions/record.ts';
import type { EventRecord } from '../runtime/events/event.ts';
import { BacklogMonitor, MIN_NAMESPACE_SHARE } from './backlog.ts';
import { PendingRecords } from './pending.ts';

const operatorPod = { apiVersion: 'v1', kind: 'Pod', namespace: 'bench-system', name: 'operator-0' };

/** A decision record about suite `s` of `namespace`. */
function recordIn(namespace: string, id: string): DecisionRecord {
  const record = auditRecord(id);
  return { ...record, regarding: { ...record.regarding, namespace } };
}

function setup(limit: number, namespaceShare: number) {
  const pending = new PendingRecords();
  const events: EventRecord[] = [];
  const monitor = new BacklogMonitor({
    pending,
    limit,
    namespaceShare,
    events: { emit: (event) => void events.push(event) },
    regarding: operatorPod,
  });
  let rooms = 0;
  monitor.onRoom(() => rooms++);
  let batch = 0;
  const add = (namespace: string, count: number) => {
    const name = `bench-audit-${String(batch++).padStart(6, '0')}`;
    pending.add(
      name,
      Array.from({ length: count }, (_, i) => recordIn(namespace, `${name}-${i}`)),
    );
    monitor.check();
  };
  const acknowledge = (namespace: string, count: number) => {
    for (let i = 0; i < count; i++) pending.acknowledge(pending.head(`${namespace}/BenchmarkSuite.s`)!);
    monitor.check();
  };
  return { pending, events, monitor, add, acknowledge, rooms: () => rooms };
}

describe('BacklogMonitor', () => {
  it('reports the backlog passing 80 %, reaching its bound and clearing, and says when there is room again', () => {
    const { events, monitor, add, acknowledge, rooms } = setup(10, 1);
    add('ns', 7);
    expect(events).toEqual([]);
    add('ns', 1);
    expect(events.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning AuditBacklogHigh']);
    expect(monitor.hold('ns')).toBeUndefined();
    add('ns', 2);
    expect(monitor.hold('ns')).toContain('the audit backlog is at its bound of 10 records');
    expect(monitor.hold('other')).toContain('the audit backlog is at its bound of 10 records');
    expect(events.at(-1)).toMatchObject({
      type: 'Warning',
      reason: 'AuditBacklogFull',
      regarding: { kind: 'Pod', name: 'operator-0' },
      note: expect.stringContaining('no run is admitted') as unknown,
    });
    acknowledge('ns', 1);
    expect(rooms()).toBe(1);
    expect(events).toHaveLength(2);
    acknowledge('ns', 5);
    expect(events.at(-1)).toMatchObject({ type: 'Normal', reason: 'AuditBacklogCleared' });
    monitor.check();
    expect(events).toHaveLength(3);
  });

  // The share is namespaceShare of the bound, at least MIN_NAMESPACE_SHARE records; a share as
  // large as the bound is no share at all (the bound holds everyone back first).
  it.each<{
    what: string;
    limit: number;
    share: number;
    /** Records added, by namespace. */
    fill: Record<string, number>;
    /** Why each namespace is held back, by namespace (undefined: it is not). */
    held: Record<string, 'share' | 'bound' | undefined>;
  }>([
    {
      what: 'a namespace at its share is held; the others are not',
      limit: 1000,
      share: 0.25,
      fill: { a: 250, b: 10 },
      held: { a: 'share', b: undefined, c: undefined },
    },
    {
      what: 'one record below its share, a namespace is admitted',
      limit: 1000,
      share: 0.25,
      fill: { a: 249 },
      held: { a: undefined, b: undefined },
    },
    {
      what: 'three namespaces at their share leave room for a fourth',
      limit: 1000,
      share: 0.25,
      fill: { a: 250, b: 260, c: 250, d: 200 },
      held: { a: 'share', b: 'share', c: 'share', d: undefined, e: undefined },
    },
    {
      what: 'at the bound, every namespace is held, with the bound as the reason',
      limit: 1000,
      share: 0.25,
      fill: { a: 250, b: 250, c: 250, d: 250 },
      held: { a: 'bound', d: 'bound', e: 'bound' },
    },
    {
      what: 'a share smaller than the floor is raised to it',
      limit: 400,
      share: 0.1,
      fill: { a: MIN_NAMESPACE_SHARE - 1, b: MIN_NAMESPACE_SHARE },
      held: { a: undefined, b: 'share' },
    },
    {
      what: 'a bound no larger than the floor leaves the whole bound to each namespace',
      limit: MIN_NAMESPACE_SHARE,
      share: 0.25,
      fill: { a: MIN_NAMESPACE_SHARE - 1 },
      held: { a: undefined, b: undefined },
    },
    {
      what: 'a share of 100 % is the bound',
      limit: 1000,
      share: 1,
      fill: { a: 999 },
      held: { a: undefined, b: undefined },
    },
  ])('$what', ({ limit, share, fill, held }) => {
    const { monitor, add } = setup(limit, share);
    for (const [namespace, count] of Object.entries(fill)) add(namespace, count);
    for (const [namespace, expected] of Object.entries(held)) {
      const hold = monitor.hold(namespace);
      if (expected === undefined) expect(hold, namespace).toBeUndefined();
      else if (expected === 'bound')
        expect(hold, namespace).toMatch(/^the audit backlog is at its bound of /);
      else
        expect(hold, namespace).toBe(
          `the audit records of namespace ${namespace} fill its share of the audit backlog (${Math.max(MIN_NAMESPACE_SHARE, limit * share)} of the bound of ${limit} records): its runs are admitted again once the audit webhook has acknowledged records; other namespaces' runs still are`,
        );
    }
  });

  it("reports a namespace's share once per episode, naming it, and says when it has room again", () => {
    const { events, monitor, add, acknowledge, rooms } = setup(1000, 0.25);
    const said = () => events.map((e) => `${e.reason} ${e.related?.name ?? '-'}`);
    add('busy', 199);
    add('quiet', 150);
    expect(said()).toEqual([]);
    add('busy', 1);
    expect(said()).toEqual(['AuditBacklogHigh busy']);
    add('busy', 50);
    expect(said()).toEqual(['AuditBacklogHigh busy', 'AuditBacklogFull busy']);
    expect(events.at(-1)).toMatchObject({
      type: 'Warning',
      regarding: operatorPod,
      related: { apiVersion: 'v1', kind: 'Namespace', name: 'busy' },
      note: 'the audit records of namespace busy reached its share of the audit backlog (250 of the bound of 1000 records): no run of namespace busy is admitted until the audit webhook has acknowledged records',
    });
    expect(monitor.hold('busy')).toBeDefined();
    expect(monitor.hold('quiet')).toBeUndefined();
    // Hovering at the share: room after each acknowledgement, but no Event again.
    acknowledge('busy', 1);
    expect(rooms()).toBe(1);
    expect(monitor.hold('busy')).toBeUndefined();
    add('busy', 1);
    acknowledge('busy', 1);
    expect(rooms()).toBe(2);
    expect(events).toHaveLength(2);
    // The other namespace's records come and go without a word or a room signal.
    acknowledge('quiet', 150);
    expect(rooms()).toBe(2);
    acknowledge('busy', 49);
    expect(events, 'at 80 % of its share').toHaveLength(2);
    acknowledge('busy', 1);
    expect(said()).toEqual(['AuditBacklogHigh busy', 'AuditBacklogFull busy', 'AuditBacklogCleared busy']);
    expect(events.at(-1)).toMatchObject({ type: 'Normal' });
    acknowledge('busy', 199);
    expect(events).toHaveLength(3);
  });

  it('holds a namespace exactly at its share or at the bound, signals every release, and never repeats an Event within an episode', () => {
    const namespaces = ['a', 'b', 'c'];
    const op = fc.oneof(
      fc.record({ add: fc.constantFrom(...namespaces), count: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ ack: fc.constantFrom(...namespaces), count: fc.integer({ min: 1, max: 80 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const limit = 300;
        const share = MIN_NAMESPACE_SHARE;
        const { pending, events, monitor, add, acknowledge, rooms } = setup(limit, share / limit);
        const heldNow = () => new Set(namespaces.filter((ns) => monitor.hold(ns) !== undefined));
        let held = heldNow();
        for (const step of ops) {
          const roomsBefore = rooms();
          if ('add' in step) add(step.add, step.count);
          else acknowledge(step.ack, Math.min(step.count, pending.sizeOf(step.ack)));
          for (const ns of namespaces)
            expect(monitor.hold(ns) !== undefined, ns).toBe(
              pending.size >= limit || pending.sizeOf(ns) >= share,
            );
          const now = heldNow();
          const released = [...held].some((ns) => !now.has(ns));
          expect(rooms() > roomsBefore, 'a room signal exactly when a held namespace is released').toBe(
            released,
          );
          held = now;
        }
        for (const scope of [undefined, ...namespaces]) {
          const reasons = events
            .filter((e) => e.related?.name === scope)
            .map((e) => e.reason.replace('AuditBacklog', '')[0])
            .join('');
          // Per episode: High and/or Full, then Cleared.
          expect(reasons, `Events of ${scope ?? 'the whole backlog'}`).toMatch(/^((HF?|F)C)*(HF?|F)?$/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
