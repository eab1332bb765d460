// npm run generate        writes operator/src/api/ from crds/*.yaml
// npm run generate:check  exits 1 (listing the files) when operator/src/api/ is not what generate would write
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUTPUT_DIR, generate } from './generate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const check = process.argv.includes('--check');

/** Every file currently under dir (recursively), relative to the repository root. */
function existing(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

const { files } = await generate(root);
const stale: string[] = [];
for (const [file, content] of files) {
  const abs = path.join(root, file);
  const current = existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
  if (current === content) continue;
  stale.push(`${current === undefined ? 'missing' : 'differs'}: ${file}`);
  if (!check) {
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}
for (const file of existing(OUTPUT_DIR)) {
  if (files.has(file)) continue;
  stale.push(`not generated: ${file}`);
  if (!check) rmSync(path.join(root, file));
}

if (check) {
  if (stale.length > 0) {
    console.error(
      `${OUTPUT_DIR}/ is out of date with crds/ (run \`npm run generate\`):\n  ${stale.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`${OUTPUT_DIR}/ is up to date with crds/ (${files.size} files)`);
} else {
  console.log(
    stale.length > 0
      ? `generated:\n  ${stale.join('\n  ')}`
      : `${OUTPUT_DIR}/ already up to date (${files.size} files)`,
  );
}
