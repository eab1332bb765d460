// What rerun, suspend and resume share: one change to a suite, made in the cluster (where the next
// sync from Git may undo it) or, with --git, in the manifest in the Git working copy, committed.
import type { SuiteObject } from '../controllers/caches.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { benchmarkSuiteType } from '../controllers/resources.ts';
import { connect, fromCluster } from './cluster.ts';
import { outputOption, type Wrap } from './command.ts';
import { globalOptions, type CliContext, type GlobalOptions } from './context.ts';
import { EXIT, findingError, type ExitCode } from './errors.ts';
import { Repo } from './git.ts';
import { printJson, warn } from './output.ts';
import { suiteInWorkingCopy } from './suite-source.ts';
import { setInDocument } from './yaml-documents.ts';

/** The fields to set, as [path, value] (the path as in the manifest). */
type Fields = Array<[path: string[], value: string | boolean]>;

export interface SuiteChange {
  /** The command: rerun, suspend, resume. */
  name: string;
  /** One line for the list of commands. */
  summary: string;
  description: string;
  /** The commit message's verb: "Suspend" makes "Suspend BenchmarkSuite x". */
  verb: string;
  fields: (ctx: CliContext) => Fields;
}

interface ChangeOptions {
  git?: boolean;
  path: string;
  output: string;
}

/** A merge patch setting the fields. */
function mergePatch(fields: Array<[string[], unknown]>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [keys, value] of fields) {
    let node = patch;
    keys.slice(0, -1).forEach((k) => (node = (node[k] ??= {}) as Record<string, unknown>));
    node[keys.at(-1)!] = value;
  }
  return patch;
}

const current = (object: unknown, keys: string[]) =>
  keys.reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], object);

type ChangeResult = { suite: string; changed: boolean } & (
  { where: 'git'; file: string; commit?: string } | { where: 'cluster'; namespace: string }
);

async function inGit(
  name: string,
  change: SuiteChange,
  fields: Fields,
  under: string,
): Promise<ChangeResult> {
  const repo = await Repo.containing(under);
  const source = await suiteInWorkingCopy(repo, name, repo.relative(under));
  const result = { suite: name, where: 'git' as const, file: source.file };
  if (fields.every(([keys, value]) => current(source.manifest.object, keys) === value)) {
    return { ...result, changed: false };
  }
  if (await repo.hasChanges(source.file)) {
    throw findingError(`${source.file} has changes that are not committed: commit or discard them first`);
  }
  writeFileSync(path.join(repo.root, source.file), setInDocument(source.text, source.manifest.index, fields));
  const commit = await repo.commitFile(source.file, `${change.verb} BenchmarkSuite ${name}`);
  return { ...result, changed: true, commit };
}

async function inCluster(
  name: string,
  fields: Fields,
  options: GlobalOptions,
  ctx: CliContext,
): Promise<ChangeResult> {
  const cluster = await connect(options);
  const suite = `BenchmarkSuite ${name}`;
  const before = await fromCluster(cluster, suite, () =>
    cluster.client.get<SuiteObject>(benchmarkSuiteType, cluster.namespace, name),
  );
  const changed = fields.some(([keys, value]) => current(before, keys) !== value);
  if (changed) {
    await fromCluster(cluster, suite, () =>
      cluster.client.patch(benchmarkSuiteType, cluster.namespace, name, mergePatch(fields), 'merge'),
    );
    warn(
      ctx.io,
      `changed in the cluster only: if Argo CD or Flux apply ${suite} from Git, their next sync puts back ` +
        'what Git says (use --git to change it in Git)',
    );
  }
  return { suite: name, where: 'cluster', namespace: cluster.namespace, changed };
}

function printText(ctx: CliContext, result: ChangeResult, fields: Fields): void {
  const what = fields.map(([k, v]) => `${k.join('.')}=${String(v)}`).join(', ');
  const where =
    result.where === 'git'
      ? `${result.file}${result.commit ? `, commit ${result.commit.slice(0, 12)}` : ''}`
      : `namespace ${result.namespace}`;
  ctx.io.stdout.write(
    result.changed
      ? `${ctx.io.out.green('✓')} BenchmarkSuite ${result.suite}: ${what} (${where})\n`
      : `BenchmarkSuite ${result.suite} already has ${what} (${where}): nothing changed\n`,
  );
}

export function registerSuiteChange(change: SuiteChange) {
  return (program: Command, ctx: CliContext, wrap: Wrap): Command =>
    program
      .command(change.name)
      .summary(change.summary)
      .description(
        `${change.description} In the cluster by default: where Argo CD or Flux apply the suite from Git, their next ` +
          'sync puts back what Git says. With --git, in the manifest in the Git working copy, committed.',
      )
      .argument('<suite>', 'the BenchmarkSuite’s name')
      .option('--git', 'change the manifest in the Git working copy and commit it, instead of the cluster')
      .option(
        '--path <path>',
        'with --git: the file or folder of the working copy to look for the suite in',
        '.',
      )
      .addOption(outputOption(['text', 'json'], 'text'))
      .action(
        wrap(async (name: string, options: ChangeOptions, command: Command): Promise<ExitCode> => {
          const fields = change.fields(ctx);
          const result = options.git
            ? await inGit(name, change, fields, options.path)
            : await inCluster(name, fields, globalOptions(command), ctx);
          if (options.output === 'json') {
            printJson(ctx.io, {
              ...result,
              fields: Object.fromEntries(fields.map(([k, v]) => [k.join('.'), v])),
            });
          } else {
            printText(ctx, result, fields);
          }
          return EXIT.ok;
        }),
      );
}
