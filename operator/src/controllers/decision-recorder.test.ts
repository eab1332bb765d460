import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditTrail } from '../audit/setup.ts';
import type { DecisionRecord } from '../core/decisions/record.ts';
import type { EventRecord } from '../runtime/events/event.ts';
import type { EventRecorder } from '../runtime/events/recorder.ts';
import { auditRecord as decision } from '../../../test/support/audit-records.ts';
import { DECISION_ID_ANNOTATION, DecisionRecorder, REMEMBERED_DECISIONS } from './decision-recorder.ts';

const context = { controller: 'test', reconcileId: 'r' };

function recording() {
  const events: EventRecord[] = [];
  const audited: string[] = [];
  const recorder = new DecisionRecorder({
    events: { emit: (event: EventRecord) => events.push(event) } as unknown as EventRecorder,
    audit: {
      append: (records: DecisionRecord[]) => {
        audited.push(...records.map((r) => r.id));
        return Promise.resolve();
      },
    } as unknown as AuditTrail,
    logger: pino({ level: 'silent' }),
  });
  return { recorder, events, audited };
}

describe('DecisionRecorder', () => {
  it('records a decision once, however often it is derived again', async () => {
    const { recorder, events, audited } = recording();
    await recorder.record([decision('u/r1/a/a1/Admitted'), decision('u/r1/a/a1/Admitted')], context);
    await recorder.record([decision('u/r1/a/a1/Admitted'), decision('u/r1/b/a1/Admitted')], context);
    expect(audited).toEqual(['u/r1/a/a1/Admitted', 'u/r1/b/a1/Admitted']);
    expect(events.map((e) => e.annotations?.[DECISION_ID_ANNOTATION])).toEqual(audited);
  });

  it('forgets the oldest decisions beyond what it remembers, and records them again then', async () => {
    const { recorder, audited } = recording();
    const ids = Array.from({ length: REMEMBERED_DECISIONS + 1 }, (_, i) => `u/r${i}/a/a1/Admitted`);
    await recorder.record(
      ids.map((id) => decision(id)),
      context,
    );
    await recorder.record([decision(ids[1]!), decision(ids[0]!)], context);
    // The first was forgotten, the second is still remembered.
    expect(audited.slice(ids.length)).toEqual([ids[0]]);
  });
});
