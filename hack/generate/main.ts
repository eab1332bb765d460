// npm run generate        writes operator/src/api/ from crds/*.yaml
// npm run generate:check  exits 1 (listing the files) when operator/src/api/ is not what generate would write
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncGeneratedFiles } from '../generated-files.ts';
import { OUTPUT_DIR, generate } from './generate.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const check = process.argv.includes('--check');

const { files } = await generate(root);
const stale = syncGeneratedFiles({ root, files, ownedDir: OUTPUT_DIR }, check);

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
