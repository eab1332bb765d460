// ConfigMaps: what the runtime's e2e tests and their small operators reconcile, since they need
// no CRD of their own.
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';

export { configMapType as configMaps } from '../../operator/src/config/cluster-sources.ts';

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
