// What a command module gives and gets: registered on the program, its work wrapped into an
// action that reports the exit code.
import { Option, type Command } from 'commander';
import type { CliContext } from './context.ts';
import { usageError, type ExitCode } from './errors.ts';

/** Turns a command's work (resolving with its exit code) into a commander action. */
export type Wrap = <A extends unknown[]>(
  action: (...args: A) => Promise<ExitCode>,
) => (...args: A) => Promise<void>;

export type Register = (program: Command, ctx: CliContext, wrap: Wrap) => Command;

/** `-o, --output <format>` with the formats a command offers. */
export const outputOption = (formats: string[], defaultFormat: string) =>
  new Option('-o, --output <format>', 'output format').choices(formats).default(defaultFormat);

/** `--round <n>`: a recorded round instead of the latest (read with parseRound). */
export const roundOption = () => new Option('--round <n>', 'this round instead of the latest recorded');

/** The number of `--round`, or a usage error. */
export function parseRound(value: string): number {
  const round = Number(value);
  if (!Number.isSafeInteger(round) || round < 1)
    throw usageError(`--round must be a round number, got "${value}"`);
  return round;
}

/** `--s3-endpoint <url>`: where the artifact store is, for the commands that read artifacts. */
export const s3EndpointOption = () =>
  new Option(
    '--s3-endpoint <url>',
    'the artifact store’s URL (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, AWS S3)',
  );
