// What a command module gives and gets: registered on the program, its work wrapped into an
// action that reports the exit code.
import { Option, type Command } from 'commander';
import type { CliContext } from './context.ts';
import type { ExitCode } from './errors.ts';

/** Turns a command's work (resolving with its exit code) into a commander action. */
export type Wrap = <A extends unknown[]>(
  action: (...args: A) => Promise<ExitCode>,
) => (...args: A) => Promise<void>;

export type Register = (program: Command, ctx: CliContext, wrap: Wrap) => Command;

/** `-o, --output <format>` with the formats a command offers. */
export const outputOption = (formats: string[], defaultFormat: string) =>
  new Option('-o, --output <format>', 'output format').choices(formats).default(defaultFormat);
