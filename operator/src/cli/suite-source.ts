// Where a BenchmarkSuite is defined in a Git working copy: the tracked manifest file (under a
// path) holding the BenchmarkSuite of that name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Repo } from './git.ts';
import { findManifest, parseManifests, type Manifest } from './manifests.ts';

export interface SuiteSource {
  /** The file, relative to the repository's top folder. */
  file: string;
  text: string;
  manifest: Manifest;
}

/** The suite in the working copy; a finding when no tracked file, or more than one, defines it. */
export async function suiteInWorkingCopy(repo: Repo, name: string, under: string): Promise<SuiteSource> {
  const files = await repo.trackedFiles(under);
  const texts = new Map(files.map((f) => [f, readFileSync(path.join(repo.root, f), 'utf8')] as const));
  const manifests = files.flatMap((f) => parseManifests(f, texts.get(f)!).manifests);
  const manifest = findManifest(manifests, 'BenchmarkSuite', name, `the files tracked under ${under}`);
  return { file: manifest.file, text: texts.get(manifest.file)!, manifest };
}

/** The suite as it was at a revision (it may have lived in another file then). */
export async function suiteAtRevision(
  repo: Repo,
  name: string,
  under: string,
  rev: string,
): Promise<SuiteSource> {
  const { manifests } = await repo.manifestsAt(rev, under);
  const manifest = findManifest(manifests, 'BenchmarkSuite', name, `${under} at ${rev}`);
  return { file: manifest.file, text: await repo.show(rev, manifest.file), manifest };
}
