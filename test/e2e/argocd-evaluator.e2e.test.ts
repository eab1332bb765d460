// The health checks of config/argocd through Argo CD's own evaluator: `argocd admin settings
// resource-overrides health` of Argo CD v3.5.1 (built from the Go module proxy by
// hack/testenv/argocd/build.sh, cached), offline, over the objects captured from the operator
// (test/fixtures/argocd-health), with argocd-cm as `kubectl kustomize config/argocd` renders it.
// It must give the health each fixture expects, as lua5.1 does in test/unit/argocd-health.test.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  healthCheckedKinds,
  healthFixturesDir,
  readHealthFixtures,
  type Health,
} from '../support/argocd-health.ts';
import { builtTool } from '../support/built-tool.ts';
import { kubectl } from '../support/kubectl.ts';
import { repoRoot } from '../support/paths.ts';

let argocd = '';
let argocdCm = '';
beforeAll(async () => {
  argocd = await builtTool('hack/testenv/argocd/build.sh');
  argocdCm = path.join(mkdtempSync(path.join(tmpdir(), 'argocd-cm-')), 'argocd-cm.yaml');
  writeFileSync(argocdCm, (await kubectl(['kustomize', path.join(repoRoot, 'config/argocd')])).stdout);
}, 60 * 60_000); // a cold build: 35 min on this machine when it was shared with three other builds

/** What `argocd admin settings resource-overrides health` prints: STATUS and MESSAGE lines. */
async function argocdHealth(objectFile: string): Promise<Health> {
  const { stdout } = await promisify(execFile)(argocd, [
    'admin',
    'settings',
    'resource-overrides',
    'health',
    objectFile,
    '--argocd-cm-path',
    argocdCm,
  ]);
  const printed = /^STATUS: (.*)\nMESSAGE: (.*)\n$/.exec(stdout);
  if (!printed) throw new Error(`unexpected output of argocd: ${stdout}`);
  return { status: printed[1]!, message: printed[2]! };
}

describe("Argo CD's own health evaluator (argocd admin settings resource-overrides health)", () => {
  for (const kind of healthCheckedKinds) {
    it.each(readHealthFixtures(kind).map((test) => [`${kind} ${test.inputPath}`, test] as const))(
      'gives the expected health of %s',
      async (_, test) => {
        const objectFile = path.join(healthFixturesDir, kind, test.inputPath);
        expect(await argocdHealth(objectFile)).toEqual(test.healthStatus);
      },
    );
  }
});
