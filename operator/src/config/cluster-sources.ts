// Reading an optional feature's settings from the cluster: its ConfigMap and the one Secret an
// administrator names for it, both in the operator's own namespace (config/rbac grants each
// Secret by name only). Errors name what was being read; values are never part of a message.
import type { KubeClient } from '../runtime/client/kube-client.ts';
import { groupSettingsFromConfigMap, type FlagGroup, type GroupFlags } from './flag-group.ts';
import type { KubeObject, ResourceType } from '../runtime/client/resource.ts';

export const configMapType: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
};

export const secretType: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  kind: 'Secret',
  namespaced: true,
};

type DataObject = KubeObject & { data?: Record<string, string> };

/** The data of a settings ConfigMap; `what` names it in errors ("the audit ConfigMap"). */
export async function readConfigMapData(
  client: KubeClient,
  namespace: string,
  name: string,
  what: string,
): Promise<Record<string, string> | undefined> {
  const configMap = await client.get<DataObject>(configMapType, namespace, name).catch((error: unknown) => {
    throw new Error(`reading ${what} ${namespace}/${name}: ${(error as Error).message}`, { cause: error });
  });
  return configMap.data;
}

/** A Secret's decoded data by key; `what` names it in errors ("the audit signing key Secret"). */
export async function readSecretData(
  client: KubeClient,
  namespace: string,
  name: string,
  what: string,
): Promise<Record<string, Buffer>> {
  const secret = await client.get<DataObject>(secretType, namespace, name).catch((error: unknown) => {
    throw new Error(`reading ${what} ${namespace}/${name}: ${(error as Error).message}`, { cause: error });
  });
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
  );
}

/** A flag group's settings: its flags over the keys of the ConfigMap named by `--<prefix>-config`. */
export async function loadGroupSettings<S extends object>(
  group: FlagGroup<S>,
  flags: GroupFlags<S>,
  client: KubeClient,
  namespace: string,
): Promise<S> {
  const fromConfigMap = flags.configMap
    ? groupSettingsFromConfigMap(
        group,
        flags.configMap,
        await readConfigMapData(client, namespace, flags.configMap, `the ${group.what} ConfigMap`),
      )
    : {};
  return { ...fromConfigMap, ...flags.settings };
}
