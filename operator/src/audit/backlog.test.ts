import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../../test/support/audit-records.ts';
import type { EventRecord } from '../runtime/events/event.ts';
import { BacklogMonitor } from './backlog.ts';
import { PendingRecords } from './pending.ts';

describe('BacklogMonitor', () => {
  it('reports the backlog passing 80 %, reaching its bound and clearing, and says when there is room again', () => {
    const pending = new PendingRecords();
    const events: EventRecord[] = [];
    const monitor = new BacklogMonitor({
      pending,
      limit: 10,
      events: { emit: (event) => void events.push(event) },
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'bench-system', name: 'operator-0' },
    });
    let rooms = 0;
    monitor.onRoom(() => rooms++);
    const fill = (from: number, to: number) => {
      for (let i = from; i < to; i++)
        pending.add(`bench-audit-${String(i).padStart(3, '0')}`, [auditRecord(`r${i}`)]);
      monitor.check();
    };
    const drain = (count: number) => {
      for (let i = 0; i < count; i++) pending.acknowledge(pending.head('ns/BenchmarkSuite.s')!);
      monitor.check();
    };
    fill(0, 7);
    expect(events).toEqual([]);
    fill(7, 8);
    expect(events.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning AuditBacklogHigh']);
    expect(monitor.isFull()).toBe(false);
    fill(8, 10);
    expect(monitor.isFull()).toBe(true);
    expect(events.at(-1)).toMatchObject({
      type: 'Warning',
      reason: 'AuditBacklogFull',
      regarding: { kind: 'Pod', name: 'operator-0' },
      note: expect.stringContaining('no run is admitted'),
    });
    drain(1);
    expect(rooms).toBe(1);
    expect(events).toHaveLength(2);
    drain(5);
    expect(events.at(-1)).toMatchObject({ type: 'Normal', reason: 'AuditBacklogCleared' });
    monitor.check();
    expect(events).toHaveLength(3);
  });
});
