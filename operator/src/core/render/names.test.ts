import { describe, expect, it } from 'vitest';
import { jobName, MAX_JOB_NAME_LENGTH, MAX_NAME_LENGTH, MAX_SHARDS } from './names.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const hashed = (prefix: string) => new RegExp(`^${prefix.replaceAll('.', '\\.')}-[0-9a-f]{12}$`);

describe('jobName', () => {
  it('keeps names that fit and read back readable', () => {
    expect(jobName('smoke', 1, 'mmlu', 'gpt4o')).toBe('smoke-1-mmlu-gpt4o');
    expect(jobName('smoke', 2, 'mmlu', 'gpt4o', 3)).toBe('smoke-2-mmlu-gpt4o-a3');
    expect(jobName('smoke', 1, 'hello', 'gpt-4o-mini')).toBe('smoke-1-hello-gpt-4o-mini');
    expect(jobName('retried', 1, 'once', 't', 2)).toBe('retried-1-once-t-a2');
    expect(jobName('s', 1, 'b', 't-a1')).toBe('s-1-b-t-a1');
  });

  it('leaves room in every name for the hostname of the last shard of an Indexed Job', () => {
    expect(MAX_JOB_NAME_LENGTH).toBe(MAX_NAME_LENGTH - `-${MAX_SHARDS - 1}`.length);
    const fits = jobName('s'.repeat(MAX_JOB_NAME_LENGTH - '-1-b-t'.length), 1, 'b', 't');
    expect(fits).toBe(`${'s'.repeat(MAX_JOB_NAME_LENGTH - '-1-b-t'.length)}-1-b-t`);
    const over = jobName('s'.repeat(MAX_JOB_NAME_LENGTH - '-1-b-t'.length + 1), 1, 'b', 't');
    expect(over).toMatch(hashed('s+'));
    expect(over).toHaveLength(MAX_JOB_NAME_LENGTH);
    expect(`${over}-${MAX_SHARDS - 1}`).toHaveLength(MAX_NAME_LENGTH);
  });

  it('cuts long names to a readable start and a stable hash', () => {
    const long = jobName('a-very-long-suite-name-that-goes-on', 12, 'a-long-benchmark-name-indeed', 'target');
    expect(long).toMatch(hashed('a-very-long-suite-name-that-goes-on-12-a-long-b'));
    expect(long.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
    expect(jobName('a-very-long-suite-name-that-goes-on', 12, 'a-long-benchmark-name-indeed', 'target')).toBe(
      long,
    );
  });

  it('makes a dotted suite name a DNS label, distinct from the same name with dashes', () => {
    const dotted = jobName('team.eval', 1, 'mmlu', 'gpt');
    expect(dotted).toMatch(hashed('team-eval-1-mmlu-gpt'));
    expect(dotted).toMatch(dnsLabel);
    expect(jobName('team-eval', 1, 'mmlu', 'gpt')).toBe('team-eval-1-mmlu-gpt');
  });

  it('hashes a name that would read as another input, so the two never share a Job', () => {
    // Suite x-1 in round 2, and suite x in round 1 with benchmark 2-b.
    expect(jobName('x-1', 2, 'b', 't')).toMatch(hashed('x-1-2-b-t'));
    expect(jobName('x', 1, '2-b', 't')).toBe('x-1-2-b-t');
    // Target t-a2 at attempt 1, and target t at attempt 2.
    expect(jobName('s', 1, 'b', 't-a2')).toMatch(hashed('s-1-b-t-a2'));
    expect(jobName('s', 1, 'b', 't', 2)).toBe('s-1-b-t-a2');
  });

  it('never lets two long names that share a prefix collide', () => {
    const suite = 'x'.repeat(MAX_NAME_LENGTH);
    expect(jobName(suite, 1, 'one', 't')).not.toBe(jobName(suite, 1, 'two', 't'));
    expect(jobName(suite, 1, 'b', 't', 2)).not.toBe(jobName(suite, 1, 'b', 't', 3));
  });
});
