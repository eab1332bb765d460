// The cluster as kubectl reaches it: --kubeconfig or $KUBECONFIG (else in-cluster, else
// ~/.kube/config), --context, and the namespace from -n or the context.
import type { KubeClient } from '../runtime/client/kube-client.ts';
import { ApiError, isNotFound } from '../runtime/client/errors.ts';
import { failureError, findingError } from './errors.ts';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Cluster {
  client: KubeClient;
  /** The namespace commands work in. */
  namespace: string;
  server: string;
}

export async function connect(options: ClusterOptions): Promise<Cluster> {
  // Loaded when a command needs the cluster: the Kubernetes client takes seconds to import.
  const [{ loadKubeConfig }, { RestClient }, { KubeClient }] = await Promise.all([
    import('../runtime/client/kubeconfig.ts'),
    import('../runtime/client/rest-client.ts'),
    import('../runtime/client/kube-client.ts'),
  ]);
  try {
    const kc = loadKubeConfig(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {});
    if (options.context) kc.setCurrentContext(options.context);
    const namespace =
      options.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    const rest = await RestClient.create(kc, { userAgent: 'benchctl' });
    return { client: new KubeClient(rest, 'benchctl'), namespace, server: rest.server.origin };
  } catch (error) {
    throw failureError(`cannot use the kubeconfig: ${(error as Error).message}`);
  }
}

/**
 * Runs API calls, turning what goes wrong into benchctl's errors: a missing object is a finding
 * (`what` names it), anything else (unreachable, forbidden, ...) a cluster failure.
 */
export async function fromCluster<T>(cluster: Cluster, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) throw findingError(`${what} not found in namespace ${cluster.namespace}`);
    if (error instanceof ApiError) throw failureError(`the API server refused: ${error.message}`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw failureError(`cannot reach the API server at ${cluster.server}: ${detail}`);
  }
}
