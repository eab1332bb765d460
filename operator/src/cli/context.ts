import type { Command } from 'commander';
import type { ClusterOptions } from './cluster.ts';
import type { Io } from './output.ts';
import type { Publisher } from './publish.ts';

/** What commands get from the process they run in (so tests and other hosts can pass their own). */
export interface CliContext {
  io: Io;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  publisher: Publisher;
}

/** The options every command accepts (given before or after the command's name). */
export interface GlobalOptions extends ClusterOptions {
  color: boolean;
}

export const globalOptions = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
