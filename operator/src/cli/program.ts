// benchctl's command tree: global options, one module per command, and the exit codes.
import { Command, CommanderError } from 'commander';
import { GitError } from 'simple-git';
import type { Register, Wrap } from './command.ts';
import { registerDiff } from './commands/diff.ts';
import { registerExport } from './commands/export.ts';
import { registerHistory } from './commands/history.ts';
import { registerRender } from './commands/render.ts';
import { registerResults } from './commands/results.ts';
import { registerRerun } from './commands/rerun.ts';
import { registerResume } from './commands/resume.ts';
import { registerRollback } from './commands/rollback.ts';
import { registerRunLocal } from './commands/run-local.ts';
import { registerStatus } from './commands/status.ts';
import { registerSuspend } from './commands/suspend.ts';
import { registerValidate } from './commands/validate.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT, type ExitCode } from './errors.ts';
import { createIo, printError } from './output.ts';

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  findings: invalid manifests, differences, a suite that is not there
  2  usage: unknown command or option, missing argument, a path that cannot be read
  3  failure of the cluster or Git: unreachable API server, forbidden, not a repository, unknown revision

Colors are used only on a terminal; NO_COLOR or --no-color turns them off.`;

export function buildProgram(ctx: CliContext, setExit: (code: ExitCode) => void): Command {
  const program = new Command('benchctl')
    .description(
      'The command-line companion of bench-operator: validate, render, diff, status, history, results, export, rollback.',
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <namespace>', 'namespace (default: the context’s, else "default")')
    .option('--no-color', 'no colors, even on a terminal')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
    })
    .hook('preAction', (_root, command) => {
      // --no-color given anywhere turns colors off for the command's output.
      if (command.optsWithGlobals<{ color: boolean }>().color === false) {
        Object.assign(ctx.io, createIo(ctx.io.stdout, ctx.io.stderr, ctx.env, true));
      }
    });
  const wrap: Wrap =
    (action) =>
    async (...args) =>
      setExit(await action(...args));
  const commands: Register[] = [
    registerValidate,
    registerRender,
    registerDiff,
    registerStatus,
    registerHistory,
    registerResults,
    registerExport,
    registerRollback,
    registerRerun,
    registerSuspend,
    registerResume,
    registerRunLocal,
  ];
  for (const register of commands) {
    const command = register(program, ctx, wrap);
    command.exitOverride().addHelpText('after', EXIT_CODES_HELP);
  }
  return program;
}

/** Runs benchctl with these arguments; resolves with the exit code (never throws). */
export async function run(argv: string[], ctx: CliContext): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(ctx, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; every parsing error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      printError(ctx.io, error.message);
      return error.exitCode;
    }
    if (error instanceof GitError) {
      printError(ctx.io, `git: ${error.message.trim()}`);
      return EXIT.failure;
    }
    printError(ctx.io, (error as Error).stack ?? String(error));
    return EXIT.failure;
  }
}
