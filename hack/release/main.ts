// The release artifacts from config/ (make build-installer):
//   node hack/release/main.ts [--image=<repository>:<tag>]   writes dist/install.yaml and dist/chart/
//   node hack/release/main.ts --check                        exits 1 (listing the files) when they are not
//                                                            what the first command would write
// kustomize is the pinned kubectl's (hack/testenv/versions.sh; KUBECTL overrides it).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { syncGeneratedFiles } from '../generated-files.ts';
import { CHART_DIR, renderRelease } from './release.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: { check: { type: 'boolean', default: false }, image: { type: 'string' } },
  strict: true,
});

const kubectl =
  process.env.KUBECTL ??
  path.join(
    execFileSync('bash', ['-c', 'source hack/testenv/versions.sh && echo "$TESTENV_BIN"'], {
      cwd: root,
      encoding: 'utf8',
    }).trim(),
    'kubectl',
  );
if (!existsSync(kubectl)) {
  console.error(`${kubectl} is missing: run \`make testenv\` (or set KUBECTL)`);
  process.exit(2);
}

const files = await renderRelease(root, { kubectl, ...(values.image ? { image: values.image } : {}) });
const stale = syncGeneratedFiles({ root, files, ownedDir: CHART_DIR }, values.check);

if (values.check) {
  if (stale.length > 0) {
    console.error(
      `dist/ is out of date with config/ (run \`make build-installer\`):\n  ${stale.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`dist/install.yaml and ${CHART_DIR}/ are up to date with config/ (${files.size} files)`);
} else {
  console.log(
    stale.length > 0
      ? `generated:\n  ${stale.join('\n  ')}`
      : `dist/ already up to date (${files.size} files)`,
  );
}
