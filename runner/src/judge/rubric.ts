/** --judge-rubric's text: given as it is, from a variable (`env:NAME`), or from a file (a path). */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';

/** A path starts with `/`, `./` or `../`; anything else is the rubric's text itself. */
const PATH = /^\.{0,2}\//;

export function readRubric(source: string, env: NodeJS.ProcessEnv): string {
  let text = source;
  if (source.startsWith('env:')) {
    const name = source.slice('env:'.length);
    text = env[name] ?? '';
    if (text.trim() === '')
      throw new ConfigError(`--judge-rubric ${source}: the variable ${name} is not set or empty`);
  } else if (PATH.test(source)) {
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `--judge-rubric ${source} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      );
    }
    if (text.trim() === '') throw new ConfigError(`--judge-rubric ${source} is empty`);
  }
  return text.trim();
}
