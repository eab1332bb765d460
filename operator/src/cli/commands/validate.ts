// benchctl validate <files|dirs>: the API server's verdict on bench.dev manifests, offline, for CI
// pipelines of GitOps repositories (the same validator as the operator's, CEL rules included).
import type { Command } from 'commander';
import type { FieldError, SkippedRule, ValidationResult } from '../../validation/validate.ts';
import type { CliContext } from '../context.ts';
import { EXIT, type ExitCode } from '../errors.ts';
import { readManifests, type Manifest } from '../manifests.ts';
import { printJson, warn, type Io } from '../output.ts';
import { outputOption, type Wrap } from '../command.ts';

interface ManifestVerdict {
  file: string;
  /** The document's position in its file, from 0. */
  index: number;
  kind: string;
  name: string;
  valid: boolean;
  errors: FieldError[];
  skipped: SkippedRule[];
}

const isBenchDev = (m: Manifest) =>
  typeof m.object.apiVersion === 'string' && m.object.apiVersion.startsWith('bench.dev/');

async function verdicts(manifests: Manifest[]): Promise<ManifestVerdict[]> {
  // Loaded when used: the schemas and the CEL library take a while to import.
  const { validateManifest } = await import('../../validation/validate.ts');
  return manifests.map((m) => verdict(m, validateManifest(m.object)));
}

function verdict(m: Manifest, result: ValidationResult): ManifestVerdict {
  const metadata = (m.object.metadata ?? {}) as { name?: string; generateName?: string };
  return {
    file: m.file,
    index: m.index,
    kind: String(m.object.kind ?? ''),
    name: metadata.name ?? metadata.generateName ?? '',
    ...result,
  };
}

function printText(
  io: Io,
  verdicts: ManifestVerdict[],
  problems: Array<{ message: string }>,
  ignored: number,
) {
  const { out } = io;
  for (const p of problems) io.stdout.write(`${out.red('✗')} ${p.message}\n`);
  for (const v of verdicts) {
    const where = `${v.file}${v.index > 0 ? `#${v.index + 1}` : ''}: ${v.kind} ${v.name}`;
    if (!v.valid) {
      io.stdout.write(`${out.red('✗')} ${where}\n`);
      for (const e of v.errors) io.stdout.write(`    ${e.message}\n`);
    }
    for (const s of v.skipped) {
      io.stdout.write(
        `${out.yellow('!')} ${where}: rule on ${s.path || '<root>'} not evaluated offline (${s.reason}): ${s.rule}\n`,
      );
    }
  }
  const invalid = verdicts.filter((v) => !v.valid).length;
  const skipped = verdicts.reduce((n, v) => n + v.skipped.length, 0);
  const summary = [
    `${verdicts.length - invalid} of ${verdicts.length} bench.dev manifests valid`,
    ...(problems.length ? [`${problems.length} unreadable`] : []),
    ...(skipped ? [`${skipped} CEL rules left to the API server`] : []),
    ...(ignored ? [`${ignored} other objects ignored`] : []),
  ].join(', ');
  const ok = invalid === 0 && problems.length === 0;
  io.stdout.write(`${ok ? out.green('✓') : out.red('✗')} ${summary}\n`);
}

export function registerValidate(program: Command, ctx: CliContext, wrap: Wrap): Command {
  return program
    .command('validate')
    .summary('validate manifests offline, as the API server would (schema and CEL rules)')
    .description(
      'Validate bench.dev manifests offline against the CRD schemas and CEL rules, with the API server’s messages. ' +
        'Folders are searched for .yaml, .yml and .json files; objects of other APIs are ignored.',
    )
    .argument('<paths...>', 'manifest files or folders')
    .addOption(outputOption(['text', 'json'], 'text'))
    .action(
      wrap(async (paths: string[], options: { output: string }): Promise<ExitCode> => {
        const { manifests, problems } = readManifests(paths);
        const benchDev = manifests.filter(isBenchDev);
        const results = await verdicts(benchDev);
        const ignored = manifests.length - benchDev.length;
        const valid = problems.length === 0 && results.every((v) => v.valid);
        if (options.output === 'json') {
          printJson(ctx.io, { valid, manifests: results, problems, ignored });
        } else {
          printText(ctx.io, results, problems, ignored);
        }
        if (results.length === 0 && problems.length === 0)
          warn(ctx.io, `no bench.dev manifests in ${paths.join(', ')}`);
        return valid ? EXIT.ok : EXIT.findings;
      }),
    );
}
