// benchctl validate gives the API server's verdict, and its messages, on the whole fixture corpus:
// one `benchctl validate -o json` over test/fixtures/crds against a server dry-run of each file.
import pLimit from 'p-limit';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchctl, parseJson } from '../support/benchctl.ts';
import { fixturesDir, loadInvalidFixtures, loadValidFixtures } from '../support/crd-fixtures.ts';
import { dryRun, serverErrors } from '../support/dry-run.ts';
import type { KubectlResult } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { repoRoot } from '../support/paths.ts';

const namespace = useNamespace('validate');

interface Report {
  manifests: Array<{ file: string; valid: boolean; errors: Array<{ message: string }>; skipped: unknown[] }>;
}

const fixtures = [
  ...loadInvalidFixtures().map((f) => ({ file: f.file, yaml: f.yaml })),
  ...loadValidFixtures().map((f) => ({ file: f.file, yaml: f.yaml })),
];
const server = new Map<string, KubectlResult>();
let report: Report;

beforeAll(async () => {
  const [answers, offline] = await Promise.all([
    pLimit(6).map(fixtures, (f) => dryRun(f.yaml, namespace())),
    benchctl(['validate', '-o', 'json', fixturesDir]),
  ]);
  fixtures.forEach((f, i) => server.set(f.file, answers[i]!));
  expect(offline.code).toBe(1);
  report = parseJson<Report>(offline);
}, 180_000);

describe('benchctl validate and the API server', () => {
  it('see the same manifests', () => {
    const files = new Set(report.manifests.map((m) => path.relative(repoRoot, m.file)));
    expect([...files].sort()).toEqual(fixtures.map((f) => f.file).sort());
  });

  it.each(fixtures.map((f) => [f.file] as const))('agree on %s: verdict and messages', (file) => {
    const answer = server.get(file)!;
    const verdicts = report.manifests.filter((m) => path.relative(repoRoot, m.file) === file);
    expect(verdicts.every((v) => v.skipped.length === 0)).toBe(true);
    expect(verdicts.every((v) => v.valid)).toBe(answer.code === 0);
    const offline = verdicts.flatMap((v) => v.errors.map((e) => e.message));
    expect(offline.sort()).toEqual(answer.code === 0 ? [] : serverErrors(answer.stderr).sort());
  });
});
