// What rerun, suspend and resume share: one change to a suite, made in the cluster (where the next
// sync from Git may undo it) or, with --git, in the manifest in the Git working copy, committed.
import type { SuiteObject } from '../controllers/caches.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { benchmarkSuiteType } from '../controllers/resources.ts';
import { connect, fromCluster } from './cluster.ts';
import { outputOption, type Wrap } from './command.ts';
import { globalOptions, type CliContext } from './context.ts';
import { EXIT, findingError, type ExitCode } from './errors.ts';
import { Repo } from './git.ts';
import { printJson, warn } from './output.ts';
import { suiteInWorkingCopy } from './suite-source.ts';
import { setInDocument } from './yaml-documents.ts';

export interface SuiteChange {
  /** The command: rerun, suspend, resume. */
  name: string;
  /** One line for the list of commands. */
  summary: string;
  description: string;
  /** The commit message's verb: "Suspend" makes "Suspend BenchmarkSuite x". */
  verb: string;
  /** The fields to set, as [path, value] (the path as in the manifest). */
  fields: (ctx: CliContext) => Array<[path: string[], value: string | boolean]>;
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

async function inGit(
  name: string,
  change: SuiteChange,
  fields: Array<[string[], string | boolean]>,
  under: string,
) {
  const repo = await Repo.containing(under);
  const source = await suiteInWorkingCopy(repo, name, repo.relative(under));
  if (fields.every(([keys, value]) => current(source.manifest.object, keys) === value)) {
    return { file: source.file, changed: false };
  }
  if (await repo.hasChanges(source.file)) {
    throw findingError(`${source.file} has changes that are not committed: commit or discard them first`);
  }
  writeFileSync(path.join(repo.root, source.file), setInDocument(source.text, source.manifest.index, fields));
  const commit = await repo.commitFile(source.file, `${change.verb} BenchmarkSuite ${name}`);
  return { file: source.file, changed: true, commit };
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
          let result: Record<string, unknown>;
          if (options.git) {
            result = { suite: name, where: 'git', ...(await inGit(name, change, fields, options.path)) };
          } else {
            const cluster = await connect(globalOptions(command));
            const before = await fromCluster(cluster, `BenchmarkSuite ${name}`, () =>
              cluster.client.get<SuiteObject>(benchmarkSuiteType, cluster.namespace, name),
            );
            const changed = fields.some(([keys, value]) => current(before, keys) !== value);
            if (changed) {
              await fromCluster(cluster, `BenchmarkSuite ${name}`, () =>
                cluster.client.patch(
                  benchmarkSuiteType,
                  cluster.namespace,
                  name,
                  mergePatch(fields),
                  'merge',
                ),
              );
            }
            warn(
              ctx.io,
              `changed in the cluster only: if Argo CD or Flux apply BenchmarkSuite ${name} from Git, their next sync ` +
                'puts back what Git says (use --git to change it in Git)',
            );
            result = { suite: name, where: 'cluster', namespace: cluster.namespace, changed };
          }
          if (options.output === 'json')
            printJson(ctx.io, {
              ...result,
              fields: Object.fromEntries(fields.map(([k, v]) => [k.join('.'), v])),
            });
          else {
            const what = fields.map(([k, v]) => `${k.join('.')}=${String(v)}`).join(', ');
            const where =
              result.where === 'git'
                ? `${String(result.file)}${result.commit ? `, commit ${String(result.commit).slice(0, 12)}` : ''}`
                : `namespace ${String(result.namespace)}`;
            ctx.io.stdout.write(
              result.changed
                ? `${ctx.io.out.green('✓')} BenchmarkSuite ${name}: ${what} (${where})\n`
                : `BenchmarkSuite ${name} already has ${what} (${where}): nothing changed\n`,
            );
          }
          return EXIT.ok;
        }),
      );
}
