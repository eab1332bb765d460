// benchctl resume <suite>: spec.suspend false: runs start again.
import { registerSuiteChange } from '../suite-change.ts';

export const registerResume = registerSuiteChange({
  name: 'resume',
  summary: 'resume a suspended suite',
  description: 'Resume the BenchmarkSuite (spec.suspend: false): its runs start again.',
  verb: 'Resume',
  fields: () => [[['spec', 'suspend'], false]],
});
