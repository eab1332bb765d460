// benchctl render <suite>: the exact Jobs the operator would create for a round of the suite, for
// review in a pull request (the operator's own renderJob, over the objects as the API server
// stores them).
import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { outputOption, type Wrap } from '../command.ts';
import { globalOptions, type CliContext } from '../context.ts';
import { EXIT, findingError, type ExitCode } from '../errors.ts';
import { findManifest, isKind, readManifests, type Manifest } from '../manifests.ts';
import { printJson, printYamlDocuments } from '../output.ts';
import type { RenderOptions } from '../render-jobs.ts';

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number from 1');
  return n;
}

/** renderSuites, with its findings as benchctl errors. */
export async function renderOrFail(suites: Manifest[], manifests: Manifest[], options: RenderOptions) {
  // Loaded when used: the validator (schemas, CEL) takes a while to import.
  const { RenderError, renderSuites } = await import('../render-jobs.ts');
  try {
    return renderSuites(suites, manifests, options);
  } catch (error) {
    if (error instanceof RenderError) throw findingError(error.message);
    throw error;
  }
}

interface RenderCommandOptions {
  policies?: string[];
  path: string;
  round: number;
  revision?: string;
  output: string;
}

export function registerRender(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('render')
    .summary('print the Jobs the operator would create for a suite')
    .description(
      'Print the Jobs the operator would create for a round of the suite: <suite> is a manifest file holding one ' +
        'BenchmarkSuite, or a suite’s name, looked up under --path. The ProviderPolicies and SchedulePolicy it ' +
        'uses come from the same file, --path (when looked up by name) and --policies.',
    )
    .argument('<suite>', 'a manifest file, or the name of a BenchmarkSuite under --path')
    .option(
      '--policies <paths...>',
      'files or folders with the ProviderPolicies and SchedulePolicy the suite uses',
    )
    .option('--path <path>', 'where to look up a suite given by name', '.')
    .option('--round <n>', 'the round to render', positiveInteger, 1)
    .option(
      '--revision <revision>',
      'the source revision the Jobs carry (default: the suite’s bench.dev/source-revision)',
    )
    .addOption(outputOption(['yaml', 'json'], 'yaml'))
    .action(
      wrap(async (suiteArg: string, options: RenderCommandOptions, command: Command): Promise<ExitCode> => {
        const byFile = existsSync(suiteArg) && statSync(suiteArg).isFile();
        const { manifests, problems } = readManifests([
          byFile ? suiteArg : options.path,
          ...(options.policies ?? []),
        ]);
        if (problems.length > 0) throw findingError(problems.map((p) => p.message).join('\n'));
        let suite: Manifest;
        if (byFile) {
          const suites = manifests.filter((m) => m.file === suiteArg && isKind(m, 'BenchmarkSuite'));
          if (suites.length !== 1) {
            throw findingError(
              `${suiteArg} holds ${suites.length} BenchmarkSuites: name one (benchctl render <name> --path ${suiteArg})`,
            );
          }
          suite = suites[0]!;
        } else {
          suite = findManifest(manifests, 'BenchmarkSuite', suiteArg, options.path);
        }
        const [rendered] = await renderOrFail([suite], manifests, {
          namespace: globalOptions(command).namespace ?? 'default',
          round: options.round,
          sourceRevision: options.revision,
        });
        if (options.output === 'json')
          printJson(ctx.io, { apiVersion: 'v1', kind: 'List', items: rendered!.jobs });
        else printYamlDocuments(ctx.io, rendered!.jobs);
        return EXIT.ok;
      }),
    );
}
