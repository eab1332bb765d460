// Reading Kubernetes manifests (YAML streams or JSON) from files, folders and Git revisions, and
// finding an object in them by kind and name.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { findingError, usageError } from './errors.ts';

export interface Manifest {
  /** The file, as the user named it (or as Git names it at a revision). */
  file: string;
  /** The position of the document in its file, from 0. */
  index: number;
  object: Record<string, unknown>;
}

export interface ParseProblem {
  file: string;
  message: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

/** The documents of a YAML stream (JSON is YAML); empty documents are skipped. */
export function parseManifests(
  file: string,
  text: string,
): { manifests: Manifest[]; problems: ParseProblem[] } {
  const lines = new LineCounter();
  const manifests: Manifest[] = [];
  const problems: ParseProblem[] = [];
  parseAllDocuments(text, { lineCounter: lines }).forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lines.linePos(error.pos[0]);
      problems.push({ file, message: `${file}:${line}:${col}: ${error.message.split('\n')[0]}` });
      return;
    }
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      problems.push({ file, message: `${file}: document ${index + 1} is not an object` });
      return;
    }
    manifests.push({ file, index, object: object as Record<string, unknown> });
  });
  return { manifests, problems };
}

/** The manifest files named, folders searched recursively (sorted, .git and node_modules left out). */
export function manifestFiles(paths: string[]): string[] {
  const files: string[] = [];
  const visit = (p: string, named: boolean) => {
    let stat;
    try {
      stat = statSync(p);
    } catch {
      throw usageError(`${p}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        if (!SKIPPED_FOLDERS.has(entry)) visit(path.join(p, entry), false);
      }
    } else if (named || MANIFEST_FILE.test(p)) {
      files.push(p);
    }
  };
  for (const p of paths) visit(p, true);
  // A file named and inside a folder named is read once.
  const seen = new Set<string>();
  return files.filter((f) => !seen.has(path.resolve(f)) && seen.add(path.resolve(f)));
}

export function readManifests(paths: string[]): { manifests: Manifest[]; problems: ParseProblem[] } {
  const all = manifestFiles(paths).map((file) => parseManifests(file, readFileSync(file, 'utf8')));
  return { manifests: all.flatMap((r) => r.manifests), problems: all.flatMap((r) => r.problems) };
}

export const nameOf = (m: Manifest): string | undefined =>
  (m.object.metadata as { name?: string } | undefined)?.name;

export const isKind = (m: Manifest, kind: string): boolean =>
  m.object.kind === kind &&
  typeof m.object.apiVersion === 'string' &&
  m.object.apiVersion.startsWith('bench.dev/');

/** The one manifest of this kind and name; a finding when there is none or more than one. */
export function findManifest(manifests: Manifest[], kind: string, name: string, where: string): Manifest {
  const found = manifests.filter((m) => isKind(m, kind) && nameOf(m) === name);
  if (found.length === 0) throw findingError(`no ${kind} named ${name} in ${where}`);
  if (found.length > 1) {
    const files = found.map((m) => m.file).join(', ');
    throw findingError(`${kind} ${name} is defined more than once (${files}): name the file instead`);
  }
  return found[0]!;
}
