import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.ts';
import { imageArchives } from './real-node.ts';

const clusterScript = path.join(repoRoot, 'hack/testenv/cluster.sh');
const nodeScript = path.join(repoRoot, 'hack/testenv/node/node.sh');

function clusterIsUp(): boolean {
  try {
    execFileSync(clusterScript, ['status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the local cluster once for the whole e2e run, with its real node (hack/testenv/node) and
 * the project's images in the node's containerd, or reuses a healthy one (e.g. from
 * `make cluster-up`). A cluster this setup created is removed afterwards, unless
 * BENCH_KEEP_CLUSTER=1; a reused one is left as it was found.
 */
export default function setup(): () => void {
  const reused = clusterIsUp();
  execFileSync(clusterScript, ['up'], { stdio: 'inherit', env: { ...process.env, REAL_NODE: '1' } });
  execFileSync(nodeScript, ['load', ...imageArchives()], { stdio: 'inherit' });
  // The API as `make install` installs it: every e2e test may create bench.dev objects.
  execFileSync(path.join(repoRoot, 'hack/install-crds.sh'), { stdio: 'inherit' });
  return () => {
    if (reused || process.env.BENCH_KEEP_CLUSTER === '1') return;
    execFileSync(clusterScript, ['down'], { stdio: 'inherit' });
  };
}
