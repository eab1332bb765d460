import { describe, expect, it } from 'vitest';
import { colorsFor, table } from './output.ts';

const terminal = { write: () => true, isTTY: true };
const pipe = { write: () => true };

describe('colors', () => {
  it('are used on a terminal only, and never with NO_COLOR set (not empty), TERM=dumb or --no-color', () => {
    expect(colorsFor(terminal, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(colorsFor(pipe, {}).red('x')).toBe('x');
    expect(colorsFor(pipe, { FORCE_COLOR: '1', CI: 'true' }).red('x')).toBe('x');
    expect(colorsFor(terminal, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(colorsFor(terminal, { NO_COLOR: '' }).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(colorsFor(terminal, { TERM: 'dumb' }).red('x')).toBe('x');
    expect(colorsFor(terminal, {}, true).red('x')).toBe('x');
  });
});

describe('table', () => {
  it('aligns columns by their visible width, colored cells included', () => {
    const red = colorsFor(terminal, {}).red;
    expect(
      table(
        ['NAME', 'PHASE', 'X'],
        [
          ['a', red('Failed'), '1'],
          ['longer-name', 'Ok', ''],
        ],
      ),
    ).toBe(`NAME         PHASE   X\na            ${red('Failed')}  1\nlonger-name  Ok\n`);
  });
});
