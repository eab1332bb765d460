// What holds what in a heap snapshot of the operator (retained.ts), for a benchmark's notes:
//
//   node test/bench/heap/summary.ts .cache/bench/profiles/<file>.heapsnapshot [rows=30]
//
// Prints the total, the heap grouped by the object a GC root holds (e.g. `Informer <- .jobs`: the
// Jobs' cache), and the objects with the largest retained sizes with their dominator chain.
import { readFileSync } from 'node:fs';
import { retainedHeap, type HeapSnapshotFile } from './retained.ts';

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test/bench/heap/summary.ts <file.heapsnapshot> [rows=30]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const heap = retainedHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotFile);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2).padStart(8)} MiB`;

console.log(
  `${heap.nodeCount} nodes, ${mib(heap.totalBytes)} reachable\n\nby holder (self sizes of what it dominates):`,
);
for (const { holder, bytes } of heap.byHolder().slice(0, rows)) console.log(`${mib(bytes)}  ${holder}`);

console.log('\nlargest retained (skipping an object that retains nearly all of its dominator):');
const order = Array.from({ length: heap.nodeCount }, (_, i) => i)
  .filter((i) => i > 0 && heap.retainedBytes(i) > 0)
  .sort((a, b) => heap.retainedBytes(b) - heap.retainedBytes(a));
let shown = 0;
for (const i of order) {
  if (shown === rows) break;
  const holder = heap.via(i);
  if (heap.retainedBytes(i) > 0.9 * heap.retainedBytes(heap.dominatorOf(i)) && heap.dominatorOf(i) !== 0)
    continue;
  console.log(
    `${mib(heap.retainedBytes(i))}  ${heap.name(i).replace(/\n.*/s, '').slice(0, 60)}  <- ${holder.replace(/\n.*/s, '')}`,
  );
  shown++;
}
