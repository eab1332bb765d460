import { readConfigMapData, readSecretData } from '../config/cluster-sources.ts';
import { groupSettingsFromConfigMap } from '../config/flag-group.ts';
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
  const fromConfigMap = flags.configMap
    ? groupSettingsFromConfigMap(
        GITOPS_FLAGS,
        flags.configMap,
        await readConfigMapData(client, namespace, flags.configMap, 'the gitops ConfigMap'),
      )
    : {};
  return resolveGitOpsConfig(
    { ...fromConfigMap, ...flags.settings },
    {
      namespace,
      readSecret: (name) => readSecretData(client, namespace, name, 'the GitHub credentials Secret'),
    },
  );
}
