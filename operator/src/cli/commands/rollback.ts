// benchctl rollback <suite> --to <rev>: restore the suite's manifest as it was at a revision and
// commit it, so that Argo CD or Flux roll the cluster back; with --push the branch is pushed, with
// --pr a new branch is pushed and a pull request opened (through the context's Publisher).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { outputOption, type Wrap } from '../command.ts';
import type { CliContext } from '../context.ts';
import { EXIT, findingError, type ExitCode } from '../errors.ts';
import { Repo } from '../git.ts';
import { printJson } from '../output.ts';
import type { PullRequest } from '../publish.ts';
import { suiteAtRevision, suiteInWorkingCopy } from '../suite-source.ts';
import { documentText, replaceDocument } from '../yaml-documents.ts';

interface RollbackOptions {
  to: string;
  path: string;
  push?: boolean;
  pr?: boolean;
  remote: string;
  branch?: string;
  base?: string;
  output: string;
}

interface RollbackResult {
  suite: string;
  file: string;
  to: { rev: string; commit: string };
  committed: boolean;
  commit?: string;
  pushed?: { remote: string; branch: string };
  pullRequest?: PullRequest;
}

/** "Roll back BenchmarkSuite x to <rev>", naming the commit when <rev> is a name such as HEAD~2. */
export function rollbackMessage(name: string, rev: string, sha: string): string {
  const target = /^[0-9a-f]{7,64}$/.test(rev) ? rev : `${rev} (${sha.slice(0, 12)})`;
  return `Roll back BenchmarkSuite ${name} to ${target}`;
}

export function registerRollback(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('rollback')
    .summary('restore a suite’s manifest from a revision and commit it')
    .description(
      'Restore the BenchmarkSuite’s manifest as it was at --to and commit it ("Roll back BenchmarkSuite <name> to ' +
        '<rev>"); the rest of the file stays as it is. --push pushes the branch; --pr commits on a new branch, ' +
        'pushes it and opens a pull request.',
    )
    .argument('<suite>', 'the BenchmarkSuite’s name')
    .requiredOption('--to <rev>', 'the revision to restore the suite from')
    .option('--path <path>', 'the file or folder of the working copy to look for the suite in', '.')
    .option('--push', 'push the branch after committing')
    .option('--pr', 'commit on a new branch, push it and open a pull request')
    .option('--remote <name>', 'the remote to push to', 'origin')
    .option('--branch <name>', 'the branch for --pr (default: rollback/<suite>-<commit>)')
    .option('--base <name>', 'the branch the pull request targets (default: the current branch)')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(
      wrap(async (name: string, options: RollbackOptions): Promise<ExitCode> => {
        const repo = await Repo.containing(options.path);
        const under = repo.relative(options.path);
        const sha = await repo.resolve(options.to);
        const current = await suiteInWorkingCopy(repo, name, under);
        if (await repo.hasChanges(current.file)) {
          throw findingError(
            `${current.file} has changes that are not committed: commit or discard them first`,
          );
        }
        const old = await suiteAtRevision(repo, name, under, sha);
        const restored = replaceDocument(
          current.text,
          current.manifest.index,
          documentText(old.text, old.manifest.index),
        );
        const result: RollbackResult = {
          suite: name,
          file: current.file,
          to: { rev: options.to, commit: sha },
          committed: false,
        };
        if (restored !== current.text) {
          const original = await repo.currentBranch();
          const branch = options.pr ? (options.branch ?? `rollback/${name}-${sha.slice(0, 7)}`) : original;
          if (options.pr) await repo.git.checkoutLocalBranch(branch);
          try {
            writeFileSync(path.join(repo.root, current.file), restored);
            result.commit = await repo.commitFile(current.file, rollbackMessage(name, options.to, sha));
            result.committed = true;
            if (options.push || options.pr) {
              await ctx.publisher.push({ repo, remote: options.remote, branch });
              result.pushed = { remote: options.remote, branch };
            }
            if (options.pr) {
              result.pullRequest = await ctx.publisher.openPullRequest({
                repo,
                remote: options.remote,
                head: branch,
                base: options.base ?? original,
                title: rollbackMessage(name, options.to, sha),
                body: `Restores BenchmarkSuite ${name} in ${current.file} as it was at ${sha}.`,
              });
            }
          } finally {
            // The pull request's branch keeps the commit; the working copy goes back to where it was.
            if (options.pr) await repo.git.checkout(original);
          }
        }
        if (options.output === 'json') {
          printJson(ctx.io, result);
        } else if (!result.committed) {
          ctx.io.stdout.write(
            `BenchmarkSuite ${name} in ${current.file} is already as at ${options.to}: nothing to commit\n`,
          );
        } else {
          const c = ctx.io.out;
          ctx.io.stdout.write(
            `${c.green('✓')} rolled back BenchmarkSuite ${name} in ${current.file} to ${options.to}: commit ${result.commit!.slice(0, 12)}\n`,
          );
          if (result.pushed)
            ctx.io.stdout.write(`  pushed ${result.pushed.branch} to ${result.pushed.remote}\n`);
          if (result.pullRequest)
            ctx.io.stdout.write(`  pull request #${result.pullRequest.number}: ${result.pullRequest.url}\n`);
        }
        return EXIT.ok;
      }),
    );
}
