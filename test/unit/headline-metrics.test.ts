// The runner and the operator each decide which metrics come first when not all fit (the runner
// its 4 KiB termination message, the operator a status entry's 32), both from the contract's one
// list (runner/src/contract/result.ts). They must agree, or a metric the runner kept could be the
// one the operator drops.
import { describe, expect, it } from 'vitest';
import { HEADLINE_METRICS } from '../../operator/src/core/suite/result.ts';
import { FIRST_METRICS } from '../../runner/src/outcome/termination-message.ts';

describe('headline metrics', () => {
  it("the runner's first metrics are the operator's headline ones, in the same order", () => {
    expect(HEADLINE_METRICS.filter((name) => FIRST_METRICS.includes(name))).toEqual(FIRST_METRICS);
  });

  it('only metricsDropped, which the runner writes itself when it drops some, is not among them', () => {
    expect(HEADLINE_METRICS.filter((name) => !FIRST_METRICS.includes(name))).toEqual(['metricsDropped']);
  });
});
