// The Git revision of the GitOps object that manages a suite: the Flux Kustomization or Argo CD
// Application that applied it, found from the labels and annotations those tools put on what they
// apply. Used when the suite has no bench.dev/source-revision annotation (see revision.ts).

/** Labels kustomize-controller sets on every object it applies. */
export const FLUX_LABELS = {
  name: 'kustomize.toolkit.fluxcd.io/name',
  namespace: 'kustomize.toolkit.fluxcd.io/namespace',
} as const;

/** Argo CD's resource tracking: the annotation (default since Argo CD 3) or the label method. */
export const ARGOCD_TRACKING = {
  annotation: 'argocd.argoproj.io/tracking-id',
  label: 'app.kubernetes.io/instance',
} as const;

export interface ObjectKey {
  namespace: string;
  name: string;
}

interface Tracked {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    namespace?: string;
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/** The Kustomization that applied the object, from kustomize-controller's labels. */
export function fluxKustomizationOf(object: Tracked): ObjectKey | undefined {
  const labels = object.metadata?.labels ?? {};
  const name = labels[FLUX_LABELS.name];
  const namespace = labels[FLUX_LABELS.namespace];
  return name && namespace ? { namespace, name } : undefined;
}

/**
 * The Application that manages the object. The tracking id is `<app>:<group>/<kind>:<namespace>/<name>`;
 * one naming another object was copied onto this one (Argo CD ignores those too). `<app>` is
 * `<namespace>_<name>` for an Application outside Argo CD's own namespace (apps in any namespace);
 * Kubernetes names cannot contain `_`.
 */
export function argoApplicationOf(object: Tracked, argocdNamespace: string): ObjectKey | undefined {
  const metadata = object.metadata ?? {};
  const trackingId = metadata.annotations?.[ARGOCD_TRACKING.annotation];
  if (trackingId !== undefined) {
    const match = /^([^:]+):([^/:]*)\/([^:]+):([^/]*)\/(.+)$/.exec(trackingId.trim());
    if (!match) return undefined;
    const [, app, group, kind, namespace, name] = match;
    const ownGroup = object.apiVersion?.includes('/') ? object.apiVersion.split('/')[0] : '';
    const same =
      group === ownGroup &&
      kind === object.kind &&
      name === metadata.name &&
      (namespace === '' || namespace === metadata.namespace);
    return same ? applicationKey(app!, argocdNamespace) : undefined;
  }
  const instance = metadata.labels?.[ARGOCD_TRACKING.label];
  return instance ? applicationKey(instance, argocdNamespace) : undefined;
}

function applicationKey(app: string, argocdNamespace: string): ObjectKey | undefined {
  const separator = app.indexOf('_');
  if (separator < 0) return { namespace: argocdNamespace, name: app };
  const namespace = app.slice(0, separator);
  const name = app.slice(separator + 1);
  return namespace && name ? { namespace, name } : undefined;
}

interface Condition {
  type?: string;
  status?: string;
}

/** What is read of a Flux Kustomization (kustomize.toolkit.fluxcd.io/v1). */
export interface KustomizationView {
  status?: {
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    conditions?: Condition[];
  };
}

/**
 * The revision whose objects the Kustomization applies: while it reconciles (Reconciling True),
 * the attempted one, as kustomize-controller records lastAttemptedRevision before it applies
 * anything, and lastAppliedRevision only after everything was applied (and was healthy, with
 * wait); a suite changed by that apply comes from the attempted revision. Otherwise the applied one.
 */
export function kustomizationRevision(kustomization: KustomizationView): string | undefined {
  const status = kustomization.status ?? {};
  const reconciling = status.conditions?.some((c) => c.type === 'Reconciling' && c.status === 'True');
  return (
    nonEmpty(reconciling ? status.lastAttemptedRevision : undefined) ?? nonEmpty(status.lastAppliedRevision)
  );
}

/** What is read of an Argo CD Application (argoproj.io/v1alpha1). */
export interface ApplicationView {
  status?: {
    sync?: { revision?: string; revisions?: string[] };
    operationState?: {
      phase?: string;
      operation?: { sync?: { revision?: string; revisions?: string[] } };
    };
  };
}

/**
 * The revision the Application syncs: during a sync operation the operation's revision (what is
 * being applied), else status.sync.revision (what the live state was compared with). A
 * multi-source Application has one revision per source and none says which holds the suite: it
 * gives a revision only with a single source.
 */
export function applicationRevision(application: ApplicationView): string | undefined {
  const status = application.status ?? {};
  const operation = status.operationState;
  const syncing = operation?.phase === 'Running' ? operation.operation?.sync : undefined;
  return single(syncing) ?? single(status.sync);
}

function single(sync: { revision?: string; revisions?: string[] } | undefined): string | undefined {
  if (!sync) return undefined;
  return nonEmpty(sync.revision) ?? (sync.revisions?.length === 1 ? nonEmpty(sync.revisions[0]) : undefined);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
