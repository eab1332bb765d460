// The layers of docs/architecture.md, kept: each folder of operator/src imports only the folders
// below it. TypeScript's own pre-processor lists each file's imports, so a new file is checked
// the day it is added.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const SRC = join(REPO, 'operator/src');

/**
 * What each layer's code may import (besides itself): folders of operator/src, and the runner's
 * contract, which the operator shares with bench-runner. Packages and node: are not checked;
 * neither are tests, which may use anything (the CRD validator, the real runner, fixtures).
 */
const ALLOWED: Record<string, string[]> = {
  api: [],
  meta: [],
  core: ['api', 'meta', 'runner/src/contract'],
  runtime: ['meta'],
};

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => join(folder, file));
}

/** The operator/src folder (its first path segment) each relative import of `file` lands in. */
function importedLayers(file: string): Array<{ specifier: string; layer: string }> {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => {
      const target = resolve(dirname(file), specifier);
      const inSrc = relative(SRC, target);
      // Outside operator/src: the folder of the repository it is in, e.g. runner/src/contract.
      const layer = inSrc.startsWith('..') ? dirname(relative(REPO, target)) : inSrc.split(sep)[0]!;
      return { specifier, layer };
    });
}

describe('operator/src layers (docs/architecture.md)', () => {
  it.each(Object.entries(ALLOWED))('%s imports only itself and %j', (layer, allowed) => {
    const files = filesUnder(join(SRC, layer));
    expect(files.length, `${layer} has TypeScript files`).toBeGreaterThan(0);
    const violations = files.flatMap((file) =>
      importedLayers(file)
        .filter((i) => i.layer !== layer && !allowed.includes(i.layer))
        .map((i) => `${relative(SRC, file)} imports ${i.specifier}`),
    );
    expect(violations).toEqual([]);
  });

  it('finds an import that crosses a layer (the check itself works)', () => {
    const conditions = join(SRC, 'core/status/suite-status.ts');
    expect(importedLayers(conditions).map((i) => i.layer)).toContain('meta');
  });
});

describe('docs/architecture.md', () => {
  it('names only files that exist (a path in backticks is the end of a path in the repository)', () => {
    const doc = readFileSync(join(REPO, 'docs/architecture.md'), 'utf8');
    const repository = execFileSync('git', ['ls-files'], { cwd: REPO, encoding: 'utf8' }).split('\n');
    const named = [...doc.matchAll(/`([\w./-]+\.(?:ts|md))`/g)].map((m) => m[1]!);
    const linked = [...doc.matchAll(/\]\(\.\.\/([^)#]+)\)/g)].map((m) => m[1]!.replace(/\/$/, ''));
    expect(named.length, 'file names in backticks').toBeGreaterThan(20);
    const missing = [...named, ...linked].filter(
      (path) =>
        !repository.some((file) => file === path || file.endsWith(`/${path}`) || file.startsWith(`${path}/`)),
    );
    expect(missing).toEqual([]);
  });
});
