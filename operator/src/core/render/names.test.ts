import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedName, jobName, MAX_NAME_LENGTH } from './names.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelPart = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/);

describe('jobName', () => {
  it('keeps short names readable', () => {
    expect(jobName('smoke', 1, 'mmlu', 'gpt4o')).toBe('smoke-1-mmlu-gpt4o');
    expect(jobName('smoke', 2, 'mmlu', 'gpt4o', 3)).toBe('smoke-2-mmlu-gpt4o-a3');
  });

  it('shortens long names to 63 characters with a stable hash', () => {
    const long = jobName('a-very-long-suite-name-that-goes-on', 12, 'a-long-benchmark-name-indeed', 'target');
    expect(long.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(long).toMatch(dnsLabel);
    expect(long).toMatch(/^a-very-long-suite-name-that-goes-on-12-a-long-benchmar-[0-9a-f]{8}$/);
    expect(jobName('a-very-long-suite-name-that-goes-on', 12, 'a-long-benchmark-name-indeed', 'target')).toBe(
      long,
    );
  });

  it('always gives a DNS label within the limit, and different inputs different names', () => {
    fc.assert(
      fc.property(
        labelPart,
        fc.nat(10_000),
        labelPart,
        labelPart,
        fc.integer({ min: 1, max: 11 }),
        (s, r, b, t, a) => {
          const name = jobName(s, r, b, t, a);
          expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
          expect(name).toMatch(dnsLabel);
          if (a < 11) expect(jobName(s, r, b, t, a + 1)).not.toBe(name);
        },
      ),
    );
  });

  it('never lets two long names that share a prefix collide', () => {
    const base = 'x'.repeat(60);
    expect(boundedName(base, 'one')).not.toBe(boundedName(base, 'two'));
  });
});
