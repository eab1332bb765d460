// The corpus of bench.dev manifests under test/fixtures/crds/, and the examples/ folder.
//
// An invalid fixture holds one mistake and says what the API server answers, in leading comments:
//   # <what is wrong, in words>
//   # validated-by: schema | cel     (schema: the OpenAPI schema or list-type; the offline validator
//                                     must catch it too. cel: an x-kubernetes-validations rule, which
//                                     only the API server evaluates)
//   # expect: <a substring of the API server's error message>
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './paths.ts';

export const fixturesDir = path.join(repoRoot, 'test/fixtures/crds');
export const examplesDir = path.join(repoRoot, 'examples');

export interface InvalidFixture {
  file: string;
  /** The file's text, as applied. */
  yaml: string;
  manifest: Record<string, unknown>;
  what: string;
  validatedBy: 'schema' | 'cel';
  expect: string;
}

export interface ManifestFile {
  file: string;
  yaml: string;
  manifests: Array<Record<string, unknown>>;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => path.join(dir, f));
}

function parseManifests(file: string, yaml: string): Array<Record<string, unknown>> {
  return parseAllDocuments(yaml).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Record<string, unknown> | null;
    return value ? [value] : [];
  });
}

export function loadInvalidFixtures(): InvalidFixture[] {
  return yamlFiles(path.join(fixturesDir, 'invalid')).map((abs) => {
    const file = path.relative(repoRoot, abs);
    const yaml = readFileSync(abs, 'utf8');
    const header = (key: string) => yaml.match(new RegExp(`^# ${key}: (.*)$`, 'm'))?.[1]?.trim();
    const validatedBy = header('validated-by');
    const expect = header('expect');
    if (validatedBy !== 'schema' && validatedBy !== 'cel')
      throw new Error(`${file}: '# validated-by: schema|cel' missing`);
    if (!expect) throw new Error(`${file}: '# expect: <message>' missing`);
    const manifests = parseManifests(file, yaml);
    if (manifests.length !== 1)
      throw new Error(`${file}: expected exactly one manifest, found ${manifests.length}`);
    return {
      file,
      yaml,
      manifest: manifests[0]!,
      what: yaml.split('\n')[0]!.replace(/^# /, ''),
      validatedBy,
      expect,
    };
  });
}

function loadManifestFiles(dir: string): ManifestFile[] {
  return yamlFiles(dir).map((abs) => {
    const file = path.relative(repoRoot, abs);
    const yaml = readFileSync(abs, 'utf8');
    return { file, yaml, manifests: parseManifests(file, yaml) };
  });
}

export const loadValidFixtures = (): ManifestFile[] => loadManifestFiles(path.join(fixturesDir, 'valid'));
export const loadExamples = (): ManifestFile[] => loadManifestFiles(examplesDir);

/** Manifests of the bench.dev API group (examples/ also holds Secrets and PriorityClasses). */
export const isBenchDev = (m: Record<string, unknown>): boolean =>
  typeof m.apiVersion === 'string' && m.apiVersion.startsWith('bench.dev/');
