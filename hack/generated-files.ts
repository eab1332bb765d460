// Generated files kept in Git (operator/src/api from crds/, dist/ from config/): one way to write
// them, or to check that the committed ones are what the generator writes.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface GeneratedFiles {
  /** The repository root; file names are relative to it. */
  root: string;
  /** Every generated file's content, by file name. */
  files: ReadonlyMap<string, string>;
  /** The folder the generator owns wholly: a file in it that is not generated is removed. */
  ownedDir: string;
}

/** Every file currently under dir (recursively, dot files too), relative to root. */
function existing(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/**
 * Writes the generated files that differ and removes stale ones from the owned folder, or with
 * `check` only lists them. Returns the list (`missing:`, `differs:`, `not generated:` lines).
 */
export function syncGeneratedFiles({ root, files, ownedDir }: GeneratedFiles, check: boolean): string[] {
  const stale: string[] = [];
  for (const [file, content] of files) {
    const abs = path.join(root, file);
    const current = existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
    if (current === content) continue;
    stale.push(`${current === undefined ? 'missing' : 'differs'}: ${file}`);
    if (!check) {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
  for (const file of existing(root, ownedDir)) {
    if (files.has(file)) continue;
    stale.push(`not generated: ${file}`);
    if (!check) rmSync(path.join(root, file));
  }
  return stale;
}
