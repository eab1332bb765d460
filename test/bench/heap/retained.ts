// What holds what in a V8 heap snapshot (.heapsnapshot, as `--heapsnapshot-signal` writes it):
// each object's retained size from the dominator tree, and the heap grouped by the object a GC
// root holds. Chrome DevTools shows the same per object; this sums it up for a benchmark's notes.
// The dominators come from Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast
// Dominance Algorithm"): a few passes over a post-order, fast enough for the million-node
// snapshots of the operator, and short.

/** The parts of a .heapsnapshot file read here. */
export interface HeapSnapshotFile {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface RetainedHeap {
  nodeCount: number;
  /** Bytes reachable from the root. */
  totalBytes: number;
  /** `type:name` of node `i` (a constructor's name for objects). */
  name(i: number): string;
  /** How node `i` is reached from its immediate dominator: `<dominator> .<edge>`. */
  via(i: number): string;
  retainedBytes(i: number): number;
  /** The immediate dominator of node `i` (0, the root, for the root itself). */
  dominatorOf(i: number): number;
  /**
   * Self sizes summed by the object a GC root holds (the top of each node's dominator chain),
   * labelled by that object and the edge that holds it; strings, code and other internals held
   * by roots directly (module sources, compiled code) are summed by their type.
   */
  byHolder(): Array<{ holder: string; bytes: number }>;
}

export function retainedHeap(file: HeapSnapshotFile): RetainedHeap {
  const { meta } = file.snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const typeField = meta.node_fields.indexOf('type');
  const nameField = meta.node_fields.indexOf('name');
  const selfField = meta.node_fields.indexOf('self_size');
  const edgeCountField = meta.node_fields.indexOf('edge_count');
  const edgeTypeField = meta.edge_fields.indexOf('type');
  const edgeNameField = meta.edge_fields.indexOf('name_or_index');
  const edgeToField = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = file;
  const count = nodes.length / nodeFields;

  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * nodeFields + edgeCountField]! * edgeFields;
    firstEdge[i + 1] = e;
  }
  // Weak edges do not retain; shortcuts duplicate a path the snapshot also has in full.
  const ignored = new Set([edgeTypes.indexOf('weak'), edgeTypes.indexOf('shortcut')]);
  const forEachEdge = (i: number, visit: (to: number, edge: number) => void) => {
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += edgeFields) {
      if (!ignored.has(edges[e + edgeTypeField]!)) visit(edges[e + edgeToField]! / nodeFields, e);
    }
  };

  // Post-order from the root (node 0), without recursion: snapshots are deep.
  const postIndex = new Int32Array(count).fill(-1);
  const post: number[] = [];
  const seen = new Uint8Array(count);
  const stack: Array<{ node: number; edge: number }> = [{ node: 0, edge: firstEdge[0]! }];
  seen[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.edge >= firstEdge[top.node + 1]!) {
      postIndex[top.node] = post.length;
      post.push(top.node);
      stack.pop();
      continue;
    }
    const e = top.edge;
    top.edge += edgeFields;
    if (ignored.has(edges[e + edgeTypeField]!)) continue;
    const to = edges[e + edgeToField]! / nodeFields;
    if (!seen[to]) {
      seen[to] = 1;
      stack.push({ node: to, edge: firstEdge[to]! });
    }
  }

  const predecessorStart = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) if (seen[i]) forEachEdge(i, (to) => predecessorStart[to + 1]!++);
  for (let i = 0; i < count; i++) predecessorStart[i + 1]! += predecessorStart[i]!;
  const predecessors = new Uint32Array(predecessorStart[count]!);
  const filled = predecessorStart.slice();
  for (let i = 0; i < count; i++) if (seen[i]) forEachEdge(i, (to) => (predecessors[filled[to]!++] = i));

  const dominator = new Int32Array(count).fill(-1);
  dominator[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (postIndex[a]! < postIndex[b]!) a = dominator[a]!;
      while (postIndex[b]! < postIndex[a]!) b = dominator[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = post.length - 2; k >= 0; k--) {
      const node = post[k]!;
      let candidate = -1;
      for (let p = predecessorStart[node]!; p < predecessorStart[node + 1]!; p++) {
        const predecessor = predecessors[p]!;
        if (dominator[predecessor] === -1) continue;
        candidate = candidate === -1 ? predecessor : intersect(predecessor, candidate);
      }
      if (candidate !== -1 && dominator[node] !== candidate) {
        dominator[node] = candidate;
        changed = true;
      }
    }
  }

  const retained = new Float64Array(count);
  for (let i = 0; i < count; i++) if (seen[i]) retained[i] = nodes[i * nodeFields + selfField]!;
  for (const node of post) if (node !== 0) retained[dominator[node]!]! += retained[node]!;

  const name = (i: number) =>
    `${nodeTypes[nodes[i * nodeFields + typeField]!]}:${strings[nodes[i * nodeFields + nameField]!]}`;
  const edgeLabel = (e: number) => {
    const type = edgeTypes[edges[e + edgeTypeField]!];
    const value = edges[e + edgeNameField]!;
    return type === 'element' || type === 'hidden' ? `[${value}]` : strings[value]!;
  };
  const via = (i: number) => {
    let label: string | undefined;
    forEachEdge(dominator[i]!, (to, e) => {
      if (to === i && label === undefined) label = edgeLabel(e);
    });
    return `${name(dominator[i]!)} .${label ?? '?'}`;
  };

  const synthetic = nodeTypes.indexOf('synthetic');
  const internal = /^(string|code|hidden|array|object shape|concatenated string|number|native):/;
  function byHolder(): Array<{ holder: string; bytes: number }> {
    // Dominators come before what they dominate in reverse post-order.
    const holderOf = new Int32Array(count).fill(-1);
    const sums = new Map<string, number>();
    for (let k = post.length - 2; k >= 0; k--) {
      const node = post[k]!;
      const d = dominator[node]!;
      const holder = d === 0 || nodes[d * nodeFields + typeField] === synthetic ? node : holderOf[d]!;
      holderOf[node] = holder;
      const label = internal.test(name(holder))
        ? `${name(holder).split(':')[0]} (held by roots directly)`
        : `${oneLine(name(holder))} <- ${oneLine(via(holder))}`;
      sums.set(label, (sums.get(label) ?? 0) + nodes[node * nodeFields + selfField]!);
    }
    return [...sums].map(([holder, bytes]) => ({ holder, bytes })).sort((a, b) => b.bytes - a.bytes);
  }

  return {
    nodeCount: count,
    totalBytes: retained[0]!,
    name,
    via,
    retainedBytes: (i) => retained[i]!,
    dominatorOf: (i) => dominator[i]!,
    byHolder,
  };
}

const oneLine = (text: string) => text.replace(/\n.*/s, '').slice(0, 60);
