// benchctl suspend <suite>: spec.suspend true: no new run starts, running Jobs finish.
import { registerSuiteChange } from '../suite-change.ts';

export const registerSuspend = registerSuiteChange({
  name: 'suspend',
  summary: 'suspend a suite: no new run starts',
  description: 'Suspend the BenchmarkSuite (spec.suspend: true): no new run starts; running Jobs finish.',
  verb: 'Suspend',
  fields: () => [[['spec', 'suspend'], true]],
});
