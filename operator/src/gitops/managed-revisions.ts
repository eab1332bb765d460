// Revisions from the GitOps objects that manage suites (docs/gitops.md): the Flux Kustomizations
// and Argo CD Applications, read through informers when configured. A kind whose CRD is not
// installed, or that the operator may not read, is left out with one log line saying why: the
// annotation still works, and the operator must not stay unready over an optional source.
import type { Logger } from 'pino';
import {
  applicationRevision,
  argoApplicationOf,
  fluxKustomizationOf,
  kustomizationRevision,
  type ApplicationView,
  type KustomizationView,
} from '../core/suite/managed-revision.ts';
import { ApiError } from '../runtime/client/errors.ts';
import type { KubeClient } from '../runtime/client/kube-client.ts';
import type { KubeObject, ResourceType } from '../runtime/client/resource.ts';
import type { Informer } from '../runtime/informer/informer.ts';
import type { Manager } from '../runtime/manager/manager.ts';
import type { RevisionSourcesConfig } from './config.ts';

export const kustomizationType: ResourceType = {
  group: 'kustomize.toolkit.fluxcd.io',
  version: 'v1',
  plural: 'kustomizations',
  kind: 'Kustomization',
  namespaced: true,
};

export const applicationType: ResourceType = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'applications',
  kind: 'Application',
  namespaced: true,
};

type KustomizationObject = KustomizationView & KubeObject;
type ApplicationObject = ApplicationView & KubeObject;

/** What the controllers see: the revision of the object managing a suite, if it is known. */
export interface ManagedRevisions {
  of(object: Parameters<typeof fluxKustomizationOf>[0]): string | undefined;
  /** The informers, so controllers start once they have synced. */
  informers: Array<Informer<KubeObject>>;
}

type Probe = { readable: true } | { readable: false; why: string };

/** Whether the operator can list the kind in each namespace (empty: all). */
async function probe(client: KubeClient, type: ResourceType, namespaces: string[]): Promise<Probe> {
  const resource = `${type.plural}.${type.group}`;
  for (const namespace of namespaces.length > 0 ? namespaces : [undefined]) {
    try {
      await client.list(type, { ...(namespace ? { namespace } : {}), limit: 1 });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 404)
        return { readable: false, why: `the CRD ${resource} (${type.version}) is not installed` };
      if (error.code === 403)
        return {
          readable: false,
          why: `the operator may not list ${resource} ${namespace ? `in namespace ${namespace}` : 'in all namespaces'} (see config/rbac/gitops)`,
        };
      throw error;
    }
  }
  return { readable: true };
}

/**
 * Sets up the configured sources; undefined when none is configured or readable. Other API errors
 * than "not installed" and "forbidden" fail the start, as for any setting the operator cannot apply.
 */
export async function setupManagedRevisions(
  manager: Manager,
  config: RevisionSourcesConfig,
): Promise<ManagedRevisions | undefined> {
  const logger = manager.logger.child({ controller: 'gitops' });
  const informers: Array<Informer<KubeObject>> = [];
  let flux: Informer<KustomizationObject> | undefined;
  let argocd: { informer: Informer<ApplicationObject>; namespace: string } | undefined;
  const usable = async (what: string, type: ResourceType, namespaces: string[]) => {
    const result = await probe(manager.client, type, namespaces);
    if (!result.readable) logRevisionSourceOff(logger, what, result.why);
    return result.readable;
  };
  if (config.flux && (await usable('Flux Kustomizations', kustomizationType, config.flux.namespaces))) {
    flux = manager.informer<KustomizationObject>({
      type: kustomizationType,
      namespaces: config.flux.namespaces,
    });
    informers.push(flux);
  }
  if (config.argocd && (await usable('Argo CD Applications', applicationType, config.argocd.namespaces))) {
    const informer = manager.informer<ApplicationObject>({
      type: applicationType,
      namespaces: config.argocd.namespaces,
    });
    argocd = { informer, namespace: config.argocd.namespaces[0]! };
    informers.push(informer);
  }
  if (informers.length === 0) return undefined;
  logger.info(
    {
      flux: flux ? config.flux!.namespaces.join(',') || 'all namespaces' : false,
      argocd: argocd ? config.argocd!.namespaces.join(',') : false,
    },
    'revisions of suites managed by GitOps objects are read from them',
  );
  return {
    informers,
    of(object) {
      const kustomization = flux && fluxKustomizationOf(object);
      if (kustomization) {
        const found = flux!.store.getByName(kustomization.namespace, kustomization.name);
        const revision = found && kustomizationRevision(found);
        if (revision) return revision;
      }
      const application = argocd && argoApplicationOf(object, argocd.namespace);
      if (application) {
        const found = argocd!.informer.store.getByName(application.namespace, application.name);
        return found && applicationRevision(found);
      }
      return undefined;
    },
  };
}

function logRevisionSourceOff(logger: Logger, what: string, why: string): void {
  logger.warn(
    { why },
    `revisions from ${what} are off: ${why}; suites they manage get their revision from the bench.dev/source-revision annotation only (restart the operator once this is fixed)`,
  );
}
