// Changing one document of a YAML stream and leaving the others byte for byte as they are: a
// GitOps repository's files are reviewed as diffs, so an edit must touch only what it changes.
import { parseAllDocuments, Scalar, type Document } from 'yaml';

const DOCUMENT_START = /^---[^\n]*\n/;

interface Located {
  docs: Document.Parsed[];
  /** Where document `index` starts (the first one's leading comments included) and ends. */
  span(index: number): [number, number];
}

function locate(text: string): Located {
  const docs = parseAllDocuments(text) as Document.Parsed[];
  return {
    docs,
    span: (index) => {
      const range = docs[index]!.range;
      return [index === 0 ? 0 : range[0], range[2]];
    },
  };
}

/** Document `index` as written, without its `---` line. */
export function documentText(text: string, index: number): string {
  const [start, end] = locate(text).span(index);
  const body = text.slice(start, end).replace(DOCUMENT_START, '');
  return body.endsWith('\n') ? body : `${body}\n`;
}

/** The stream with document `index` replaced by `body` (a document without `---`). */
export function replaceDocument(text: string, index: number, body: string): string {
  const [start, end] = locate(text).span(index);
  const marker = index === 0 ? '' : (DOCUMENT_START.exec(text.slice(start, end))?.[0] ?? '---\n');
  const ending = end < text.length && !body.endsWith('\n') ? '\n' : '';
  return text.slice(0, start) + marker + body + ending + text.slice(end);
}

/** The stream with fields of document `index` set (comments kept; only that document re-written). */
export function setInDocument(
  text: string,
  index: number,
  changes: Array<[path: string[], value: unknown]>,
): string {
  const { docs } = locate(text);
  const doc = docs[index]!;
  for (const [path, value] of changes) {
    // Strings are quoted: a plain 2026-11-22T10:00:00Z is a timestamp to YAML 1.1 parsers.
    const node =
      typeof value === 'string' ? Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE }) : value;
    doc.setIn(path, node);
  }
  return replaceDocument(
    text,
    index,
    doc.toString({ flowCollectionPadding: false, lineWidth: 0 }).replace(DOCUMENT_START, ''),
  );
}
