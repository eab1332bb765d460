/**
 * What make demo changed in examples/ (hack/demo.sh shows it before applying): object by object,
 * the lines of each object that differ between two renderings, with a line of context.
 *
 *   node hack/demo/changes.ts <examples.yaml> <applied.yaml>
 */
import { readFileSync } from 'node:fs';
import { structuredPatch } from 'diff';
import { parseAllDocuments, stringify } from 'yaml';

interface KubeObject {
  kind: string;
  metadata: { name: string };
}

/** `<Kind> <name>` → the object as YAML, from a multi-document file. */
function objects(file: string): Map<string, string> {
  return new Map(
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((document) => document.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => object !== null)
      .map((object) => [`${object.kind} ${object.metadata.name}`, stringify(object)]),
  );
}

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) {
  process.stderr.write('usage: changes.ts <before.yaml> <after.yaml>\n');
  process.exit(2);
}
const before = objects(beforeFile);
const after = objects(afterFile);

for (const [name, text] of after) {
  const old = before.get(name) ?? '';
  if (old === text) continue;
  process.stdout.write(`${name}:\n`);
  const { hunks } = structuredPatch('', '', old, text, '', '', { context: 1 });
  hunks.forEach((hunk, index) => {
    if (index > 0) process.stdout.write('   ...\n');
    for (const line of hunk.lines) process.stdout.write(`  ${line}\n`);
  });
}
for (const name of before.keys()) {
  if (!after.has(name)) process.stdout.write(`${name}: left out\n`);
}
