// What every command writes: data on stdout (text for people, JSON or YAML for scripts), warnings
// and errors on stderr, colors only when the stream is a terminal and NO_COLOR is not set.
import pc from 'picocolors';
import { stringify } from 'yaml';

export type Colors = ReturnType<typeof pc.createColors>;

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Stream;
  stderr: Stream;
  /** Colors for stdout. */
  out: Colors;
  /** Colors for stderr. */
  err: Colors;
}

/** https://no-color.org: set and not empty. */
const noColorRequested = (env: NodeJS.ProcessEnv) => env.NO_COLOR !== undefined && env.NO_COLOR !== '';

export function colorsFor(stream: Stream, env: NodeJS.ProcessEnv, disabled = false): Colors {
  return pc.createColors(stream.isTTY === true && !disabled && !noColorRequested(env) && env.TERM !== 'dumb');
}

export function createIo(stdout: Stream, stderr: Stream, env: NodeJS.ProcessEnv, noColor = false): Io {
  return { stdout, stderr, out: colorsFor(stdout, env, noColor), err: colorsFor(stderr, env, noColor) };
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** An object as YAML for people to read: no anchors for repeated parts, no folded lines. */
export const toYaml = (value: unknown): string =>
  stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });

/** Several objects as one YAML stream. */
export function printYamlDocuments(io: Io, values: unknown[]): void {
  io.stdout.write(values.map(toYaml).join('---\n'));
}

export function warn(io: Io, message: string): void {
  io.stderr.write(`${io.err.yellow('warning:')} ${message}\n`);
}

export function printError(io: Io, message: string): void {
  io.stderr.write(`${io.err.red('error:')} ${message}\n`);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const width = (s: string) => [...s.replace(ANSI, '')].length;

/** Rows as aligned columns (two spaces apart), like kubectl get; colored cells keep their width. */
export function table(header: string[], rows: string[][], indent = ''): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
