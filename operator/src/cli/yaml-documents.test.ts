import { describe, expect, it } from 'vitest';
import { documentText, replaceDocument, setInDocument } from './yaml-documents.ts';

const STREAM = `# policies and the suite
apiVersion: v1
kind: A  # stays as written
---
# the suite
kind: BenchmarkSuite
spec:
  suspend: false   # spacing kept elsewhere
  x: [1, 2]
---
kind: C
`;

describe('YAML documents', () => {
  it('reads one document as written, without its --- line', () => {
    expect(documentText(STREAM, 0)).toBe(
      '# policies and the suite\napiVersion: v1\nkind: A  # stays as written\n',
    );
    expect(documentText(STREAM, 1)).toBe(
      '# the suite\nkind: BenchmarkSuite\nspec:\n  suspend: false   # spacing kept elsewhere\n  x: [1, 2]\n',
    );
    expect(documentText('kind: X', 0)).toBe('kind: X\n');
  });

  it('replaces one document and leaves the others byte for byte', () => {
    const replaced = replaceDocument(STREAM, 1, 'kind: BenchmarkSuite\nspec: {}\n');
    expect(replaced).toBe(
      '# policies and the suite\napiVersion: v1\nkind: A  # stays as written\n---\nkind: BenchmarkSuite\nspec: {}\n---\nkind: C\n',
    );
    expect(replaceDocument(STREAM, 0, 'kind: Z\n')).toBe(STREAM.replace(/^[^]*?---\n/, 'kind: Z\n---\n'));
    expect(replaceDocument(STREAM, 2, 'kind: D')).toBe(STREAM.replace('kind: C\n', 'kind: D'));
  });

  it('sets fields of one document, keeping its comments', () => {
    const changed = setInDocument(STREAM, 1, [
      [['spec', 'suspend'], true],
      [['metadata', 'annotations', 'bench.dev/requested-at'], '2026-11-22T10:00:00.000Z'],
    ]);
    expect(
      changed.startsWith('# policies and the suite\napiVersion: v1\nkind: A  # stays as written\n---\n'),
    ).toBe(true);
    expect(changed.endsWith('---\nkind: C\n')).toBe(true);
    expect(changed).toContain('# the suite\n');
    expect(changed).toMatch(/suspend: true +# spacing kept elsewhere/);
    // Quoted: a plain timestamp-like value would be a timestamp to YAML 1.1 parsers.
    expect(changed).toContain(
      'metadata:\n  annotations:\n    bench.dev/requested-at: "2026-11-22T10:00:00.000Z"\n',
    );
  });
});
