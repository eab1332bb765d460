// benchctl rerun <suite>: a new bench.dev/requested-at value starts a new round with the same spec.
import { ANNOTATIONS } from '../../core/render/labels.ts';
import { registerSuiteChange } from '../suite-change.ts';

export const registerRerun = registerSuiteChange({
  name: 'rerun',
  summary: 'start a new round of a suite with the same spec',
  description: `Start a new round of the BenchmarkSuite with the same spec (the ${ANNOTATIONS.requestedAt} annotation, set to now).`,
  verb: 'Re-run',
  fields: (ctx) => [[['metadata', 'annotations', ANNOTATIONS.requestedAt], ctx.now().toISOString()]],
});
