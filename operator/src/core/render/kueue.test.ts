import { describe, expect, it } from 'vitest';
import { renderJob } from './job.ts';
import { KUEUE_QUEUE_LABEL } from './kueue.ts';
import { jobInput } from './test-input.ts';

describe('renderJob for a SchedulePolicy naming a Kueue LocalQueue', () => {
  it('creates the Job suspended with the queue label, its pods without it', () => {
    const job = renderJob({
      ...jobInput({}),
      schedulePolicy: { spec: { kueue: { localQueueName: 'gpu-team-a' } } },
    });
    expect(job.spec!.suspend).toBe(true);
    expect(job.metadata!.labels![KUEUE_QUEUE_LABEL]).toBe('gpu-team-a');
    expect(job.spec!.template.metadata!.labels).not.toHaveProperty(KUEUE_QUEUE_LABEL);
  });

  it('leaves a Job without Kueue as before: no suspend field, no queue label', () => {
    for (const schedulePolicy of [undefined, { spec: {} }]) {
      const job = renderJob({ ...jobInput({}), schedulePolicy });
      expect(job.spec).not.toHaveProperty('suspend');
      expect(job.metadata!.labels).not.toHaveProperty(KUEUE_QUEUE_LABEL);
    }
  });
});
