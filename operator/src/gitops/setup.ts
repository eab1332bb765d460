import { loadGroupSettings, readSecretData } from '../config/cluster-sources.ts';
import type { KubeClient } from '../runtime/client/kube-client.ts';
import { GITOPS_FLAGS, resolveGitOpsConfig, type GitOpsConfig, type GitOpsFlags } from './config.ts';

/**
 * Reads the GitOps settings: flags over the ConfigMap named by --gitops-config, the GitHub
 * credentials from their Secret (config/rbac grants that name only). Both in the operator's namespace.
 */
export async function loadGitOpsConfig(
  flags: GitOpsFlags,
  client: KubeClient,
  namespace: string,
): Promise<GitOpsConfig> {
  return resolveGitOpsConfig(await loadGroupSettings(GITOPS_FLAGS, flags, client, namespace), {
    namespace,
    readSecret: (name) => readSecretData(client, namespace, name, 'the GitHub credentials Secret'),
  });
}
