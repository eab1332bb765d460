import { writeHeapSnapshot } from 'node:v8';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { retainedHeap, type HeapSnapshotFile } from './retained.ts';

const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

/** A snapshot in V8's format from nodes [type, name, self size] and edges [from, type, name, to]. */
function snapshot(
  nodes: Array<[string, string, number]>,
  edges: Array<[number, string, string, number]>,
): HeapSnapshotFile {
  const strings: string[] = [];
  const str = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const flatNodes = nodes.flatMap(([type, name, self], i) => [
    NODE_TYPES.indexOf(type),
    str(name),
    i + 1,
    self,
    edges.filter(([from]) => from === i).length,
  ]);
  const flatEdges = [...edges]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([, type, name, to]) => [EDGE_TYPES.indexOf(type), str(name), to * 5]);
  return {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [NODE_TYPES],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES],
      },
    },
    nodes: flatNodes,
    edges: flatEdges,
    strings,
  };
}

describe('retainedHeap', () => {
  // root -> cache (Informer) -> item -> text; root -> other -> text (shared); other -weak-> item.
  const heap = retainedHeap(
    snapshot(
      [
        ['synthetic', '(root)', 0],
        ['object', 'Informer', 10],
        ['object', 'Job', 20],
        ['object', 'Other', 5],
        ['string', 'shared text', 7],
        ['object', 'Unreachable', 100],
      ],
      [
        [0, 'property', 'jobs', 1],
        [0, 'property', 'other', 3],
        [1, 'property', 'item', 2],
        [2, 'property', 'text', 4],
        [3, 'property', 'text', 4],
        [3, 'weak', 'seen', 2],
      ],
    ),
  );

  it('retains what only an object reaches, not what another reaches too, nor across weak edges', () => {
    expect(heap.totalBytes, 'reachable from the root: not the unreachable object').toBe(42);
    expect(heap.retainedBytes(1), 'the Informer: itself and its Job').toBe(30);
    expect(heap.retainedBytes(3), 'Other: the text is shared, the weak edge holds nothing').toBe(5);
    expect(heap.dominatorOf(4), 'the shared text: held by the root').toBe(0);
    expect(heap.via(2)).toBe('object:Informer .item');
  });

  it('sums the heap by the object a root holds', () => {
    expect(heap.byHolder()).toEqual([
      { holder: 'object:Informer <- synthetic:(root) .jobs', bytes: 30 },
      { holder: 'string (held by roots directly)', bytes: 7 },
      { holder: 'object:Other <- synthetic:(root) .other', bytes: 5 },
    ]);
  });

  it('reads a snapshot V8 wrote, and finds what a named global holds', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'heap-'));
    try {
      class RetainedHeapProbe {
        readonly payload = Array.from({ length: 50_000 }, (_, i) => ({ i }));
      }
      const probe = new RetainedHeapProbe();
      (globalThis as Record<string, unknown>).retainedHeapProbe = probe;
      const file = writeHeapSnapshot(path.join(dir, 'probe.heapsnapshot'));
      delete (globalThis as Record<string, unknown>).retainedHeapProbe;
      const real = retainedHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotFile);
      const held = real.byHolder().find((h) => h.holder.startsWith('object:RetainedHeapProbe'));
      // 50,000 objects of at least 16 bytes each, and the array holding them.
      expect(held?.bytes, JSON.stringify(real.byHolder().slice(0, 5))).toBeGreaterThan(50_000 * 16);
      expect(probe.payload).toHaveLength(50_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
