// The artifact store's settings (docs/results.md#artifacts): one S3-compatible bucket for every
// suite's run artifacts, given as `--artifacts-*` flags or keys of the ConfigMap named by
// --artifacts-config. Off by default. The credentials Secret is named, never read: each suite's
// namespace holds its own, which its run pods reference.
import type { ArtifactStore } from '../core/render/artifact-store.ts';
import type { KubeClient } from '../runtime/client/kube-client.ts';
import { loadGroupSettings } from './cluster-sources.ts';
import type { FlagGroup, GroupFlags } from './flag-group.ts';

/** As given, by flag (`--artifacts-<name>`) or ConfigMap key. */
export interface ArtifactSettings {
  /** An S3-compatible store's URL; unset: AWS S3. */
  s3Endpoint?: string;
  s3Bucket?: string;
  s3Region?: string;
  /** The folder of all runs in the bucket. */
  s3Prefix?: string;
  /** The Secret in each suite's namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
  secret?: string;
}

export const ARTIFACTS_FLAGS: FlagGroup<ArtifactSettings> = {
  prefix: 'artifacts',
  what: 'artifacts',
  settings: [
    { flag: 'artifacts-s3-endpoint', key: 's3Endpoint' },
    { flag: 'artifacts-s3-bucket', key: 's3Bucket' },
    { flag: 'artifacts-s3-region', key: 's3Region' },
    { flag: 'artifacts-s3-prefix', key: 's3Prefix' },
    { flag: 'artifacts-secret', key: 'secret' },
  ],
};

export type ArtifactFlags = GroupFlags<ArtifactSettings>;

// S3's bucket naming rules (lower case, digits, dots and hyphens, 3 to 63 characters).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// A Secret's name is a DNS subdomain.
const SECRET = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Path segments of the prefix: what a key may hold without escaping.
const PREFIX_SEGMENT = /^[A-Za-z0-9!_.*'()-]+$/;

/** The store, or undefined when none is configured (no bucket); every mistake names its flag. */
export function resolveArtifactStore(settings: ArtifactSettings): ArtifactStore | undefined {
  const given = Object.keys(settings).filter((k) => settings[k as keyof ArtifactSettings] !== undefined);
  if (!settings.s3Bucket) {
    if (given.length > 0) {
      throw new Error(`artifact settings (${given.join(', ')}) without a bucket (--artifacts-s3-bucket)`);
    }
    return undefined;
  }
  if (!BUCKET.test(settings.s3Bucket)) {
    throw new Error(`artifacts bucket "${settings.s3Bucket}" is not an S3 bucket name (--artifacts-s3-bucket)`);
  }
  if (!settings.secret || !SECRET.test(settings.secret) || settings.secret.length > 253) {
    throw new Error(
      `artifacts need the name of the credentials Secret in each suite's namespace (--artifacts-secret)${settings.secret ? `, not "${settings.secret}"` : ''}`,
    );
  }
  if (settings.s3Endpoint !== undefined) checkEndpoint(settings.s3Endpoint);
  const segments = (settings.s3Prefix ?? '').split('/').filter(Boolean);
  const bad = segments.find((segment) => !PREFIX_SEGMENT.test(segment) || segment === '.' || segment === '..');
  if (bad !== undefined) {
    throw new Error(`artifacts prefix "${settings.s3Prefix}": "${bad}" is not a plain folder name (--artifacts-s3-prefix)`);
  }
  return {
    bucket: settings.s3Bucket,
    prefix: segments.map((segment) => `${segment}/`).join(''),
    ...(settings.s3Endpoint ? { endpoint: settings.s3Endpoint.replace(/\/+$/, '') } : {}),
    ...(settings.s3Region ? { region: settings.s3Region } : {}),
    secret: settings.secret,
  };
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`artifacts endpoint "${endpoint}" is not a URL (--artifacts-s3-endpoint)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`artifacts endpoint must be https (or http in a trusted network), got ${url.protocol}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('artifacts endpoint must be the store\'s URL alone: credentials come from the Secret');
  }
}

/** The store from the flags over the ConfigMap named by --artifacts-config (the operator's namespace). */
export async function loadArtifactStore(
  flags: ArtifactFlags,
  client: KubeClient,
  namespace: string,
): Promise<ArtifactStore | undefined> {
  return resolveArtifactStore(await loadGroupSettings(ARTIFACTS_FLAGS, flags, client, namespace));
}
