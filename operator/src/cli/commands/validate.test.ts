// benchctl validate, run as a process over the fixture corpus and a folder of mixed files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchctl, parseJson } from '../../../../test/support/benchctl.ts';
import {
  fixturesDir,
  loadInvalidFixtures,
  loadValidFixtures,
} from '../../../../test/support/crd-fixtures.ts';
import { validateManifest } from '../../validation/validate.ts';

interface Report {
  valid: boolean;
  manifests: Array<{
    file: string;
    index: number;
    kind: string;
    name: string;
    valid: boolean;
    errors: Array<{ message: string }>;
  }>;
  problems: Array<{ file: string; message: string }>;
  ignored: number;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'benchctl-validate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Each test starts benchctl processes: seconds each on a busy machine.
describe('benchctl validate', { timeout: 60_000 }, () => {
  it('accepts the valid corpus: exit 0 and a one-line summary', async () => {
    const result = await benchctl(['validate', path.join(fixturesDir, 'valid')]);
    const count = loadValidFixtures().flatMap((f) => f.manifests).length;
    expect(result).toEqual({
      code: 0,
      stdout: `✓ ${count} of ${count} bench.dev manifests valid\n`,
      stderr: '',
    });
  });

  it('rejects every invalid fixture with the messages of the validator the operator uses: exit 1', async () => {
    const result = await benchctl(['validate', '-o', 'json', path.join(fixturesDir, 'invalid')]);
    expect(result.code).toBe(1);
    const report = parseJson<Report>(result);
    const fixtures = loadInvalidFixtures();
    expect(report.valid).toBe(false);
    expect(report.manifests).toHaveLength(fixtures.length);
    for (const f of fixtures) {
      const verdict = report.manifests.find((m) =>
        m.file.endsWith(f.file.replace(/^test\/fixtures\/crds/, '')),
      )!;
      expect(verdict.valid, f.file).toBe(false);
      expect(verdict.errors.map((e) => e.message)).toEqual(
        validateManifest(f.manifest).errors.map((e) => e.message),
      );
      expect(verdict.errors.map((e) => e.message).join('\n')).toContain(f.expect);
    }
  });

  it('prints each invalid manifest with its errors, then the summary', async () => {
    const file = path.join(fixturesDir, 'invalid/bs-reserved-env-name.yaml');
    const result = await benchctl(['validate', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `✗ ${file}: BenchmarkSuite fixture\n` +
        '    spec.runner.env[0].name: Invalid value: env BENCH_MODEL is reserved: names starting with BENCH_ are set by the operator (see the runner contract); choose another name\n' +
        '✗ 0 of 1 bench.dev manifests valid\n',
    );
  });

  it('reads YAML streams and JSON, ignores other APIs, and reports unreadable files with their line: exit 1', async () => {
    writeFileSync(
      path.join(scratch, 'stream.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n' +
        'apiVersion: bench.dev/v1alpha1\nkind: SchedulePolicy\nmetadata: {name: p}\nspec: {priority: 5}\n',
    );
    writeFileSync(
      path.join(scratch, 'policy.json'),
      JSON.stringify({ apiVersion: 'bench.dev/v1alpha1', kind: 'SchedulePolicy', metadata: { name: 'q' } }),
    );
    writeFileSync(path.join(scratch, 'broken.yaml'), 'apiVersion: bench.dev/v1alpha1\nkind: [unclosed\n');
    writeFileSync(path.join(scratch, 'notes.txt'), 'not a manifest');
    const result = await benchctl(['validate', '-o', 'json', scratch]);
    expect(result.code).toBe(1);
    const report = parseJson<Report>(result);
    expect(report.manifests.map((m) => [path.basename(m.file), m.index, m.kind, m.name, m.valid])).toEqual([
      ['policy.json', 0, 'SchedulePolicy', 'q', true],
      ['stream.yaml', 1, 'SchedulePolicy', 'p', true],
    ]);
    expect(report.ignored).toBe(1);
    expect(report.problems).toEqual([
      {
        file: path.join(scratch, 'broken.yaml'),
        message: expect.stringMatching(/broken\.yaml:3:1: /) as unknown,
      },
    ]);
    const text = await benchctl(['validate', scratch]);
    expect(text.stdout).toMatch(
      /✗ 2 of 2 bench.dev manifests valid, 1 unreadable, 1 other objects ignored\n$/,
    );
  });

  it('is a usage error (exit 2) to name nothing or a path that is not there', async () => {
    const none = await benchctl(['validate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("error: missing required argument 'paths'");
    const missing = await benchctl(['validate', path.join(scratch, 'nope.yaml')]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe(`error: ${path.join(scratch, 'nope.yaml')}: no such file or folder\n`);
  });
});
