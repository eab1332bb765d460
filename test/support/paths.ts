import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The kubeconfig `make cluster-up` writes: the fixed, documented path every test and script uses. */
export const kubeconfigPath =
  process.env.BENCH_KUBECONFIG ?? path.join(repoRoot, '.cache/testenv/kubeconfig');

/** The folder holding the pinned control-plane binaries (kubectl v1.36 among them), as hack/testenv/versions.sh says. */
export const testenvBin: string =
  process.env.TESTENV_BIN ??
  execFileSync('bash', ['-c', 'source hack/testenv/versions.sh && echo "$TESTENV_BIN"'], {
    cwd: repoRoot,
    encoding: 'utf8',
  }).trim();

/** The pinned kubectl: the machine's own is outside the supported version skew. */
export const kubectlBinary = path.join(testenvBin, 'kubectl');
