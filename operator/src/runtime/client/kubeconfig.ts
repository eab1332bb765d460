import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads credentials in controller-runtime's order: the --kubeconfig flag, $KUBECONFIG, the
 * in-cluster ServiceAccount, then ~/.kube/config. (client-node's loadFromDefault prefers
 * ~/.kube/config over in-cluster, which would let a stray file in an image override the pod's identity.)
 */
export function loadKubeConfig(options: { kubeconfig?: string; env?: NodeJS.ProcessEnv } = {}): KubeConfig {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  const explicit = options.kubeconfig ?? env.KUBECONFIG;
  if (explicit) {
    kc.loadFromFile(explicit.split(path.delimiter)[0] as string);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountToken)) {
    kc.loadFromCluster();
  } else {
    const home = path.join(homedir(), '.kube', 'config');
    if (!existsSync(home))
      throw new Error('no kubeconfig: pass --kubeconfig, set KUBECONFIG or run in a cluster');
    kc.loadFromFile(home);
  }
  if (!kc.getCurrentCluster())
    throw new Error(`kubeconfig has no current cluster (context "${kc.getCurrentContext()}")`);
  return kc;
}
