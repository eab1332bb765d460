import { parseDuration } from '../meta/duration.ts';
import {
  groupSettingsFromConfigMap,
  parseGroupArgs,
  splitGroupArgs,
  type FlagGroup,
  type GroupFlags,
} from '../config/flag-group.ts';

/** The audit settings as given, by flag (`--audit-<name>`) or ConfigMap key (`<key>`). */
export interface AuditSettings {
  webhookURL?: string;
  /** PEM file with the CA(s) the https webhook's certificate must chain to. */
  caFile?: string;
  /** The same, inline (ConfigMap only). */
  caBundle?: string;
  signingKeyFile?: string;
  /** `<name>` or `<name>/<key>` (default key `key`): a Secret in the operator's namespace. */
  signingKeySecret?: string;
  /** Go duration, per request. */
  timeout?: string;
  maxBacklog?: string;
  /** `<n>%` of maxBacklog: the most one namespace's records may take of the backlog. */
  namespaceShare?: string;
  source?: string;
}

/** Each setting's flag and its ConfigMap key (a ConfigMap may also hold the CA inline, caBundle). */
const AUDIT_FLAGS: FlagGroup<AuditSettings> = {
  prefix: 'audit',
  what: 'audit',
  settings: [
    { flag: 'audit-webhook-url', key: 'webhookURL' },
    { flag: 'audit-ca-file', key: 'caFile' },
    { flag: 'audit-signing-key-file', key: 'signingKeyFile' },
    { flag: 'audit-signing-key-secret', key: 'signingKeySecret' },
    { flag: 'audit-timeout', key: 'timeout' },
    { flag: 'audit-max-backlog', key: 'maxBacklog' },
    { flag: 'audit-namespace-share', key: 'namespaceShare' },
    { flag: 'audit-source', key: 'source' },
  ],
  configMapOnly: ['caBundle'],
};

export type AuditFlags = GroupFlags<AuditSettings>;

/** Splits the command line into the audit flags and the rest (the manager's). */
export function splitAuditArgs(argv: string[]): { audit: string[]; rest: string[] } {
  const { group, rest } = splitGroupArgs(argv, AUDIT_FLAGS.prefix);
  return { audit: group, rest };
}

export function parseAuditArgs(args: string[]): AuditFlags {
  return parseGroupArgs(AUDIT_FLAGS, args);
}

/** Settings from the ConfigMap's data; an unknown key is an error (a typo would switch a setting off). */
export function settingsFromConfigMap(name: string, data: Record<string, string> | undefined): AuditSettings {
  return groupSettingsFromConfigMap(AUDIT_FLAGS, name, data);
}

export interface AuditConfig {
  url: URL;
  ca?: string;
  signingKey: Buffer;
  timeoutMs: number;
  maxBacklog: number;
  /** The fraction of maxBacklog one namespace's records may take (0 < share <= 1). */
  namespaceShare: number;
  source: string;
  /** The operator's namespace: the outbox's and the signing key Secret's. */
  namespace: string;
}

export const AUDIT_DEFAULTS = {
  timeout: '10s',
  maxBacklog: 10_000,
  namespaceShare: '25%',
  secretKey: 'key',
} as const;

/** The smallest signing key accepted (bytes): HMAC-SHA256 keys shorter than this are guessable. */
const MIN_KEY_BYTES = 16;

export interface AuditSources {
  namespace: string;
  readFile(path: string): Promise<Buffer>;
  readSecret(name: string, key: string): Promise<Buffer>;
}

/**
 * The audit configuration, or undefined when auditing is off (no webhook URL). Every mistake is
 * an error that names the setting: a misconfigured audit trail must stop the operator rather
 * than let decisions go unrecorded.
 */
export async function resolveAuditConfig(
  settings: AuditSettings,
  sources: AuditSources,
): Promise<AuditConfig | undefined> {
  const given = Object.keys(settings).filter((k) => settings[k as keyof AuditSettings] !== undefined);
  if (!settings.webhookURL) {
    if (given.length > 0)
      throw new Error(`audit settings (${given.join(', ')}) without a webhook URL (--audit-webhook-url)`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(settings.webhookURL);
  } catch {
    throw new Error(`audit webhook URL "${settings.webhookURL}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`audit webhook URL must be https (or http for local use), got ${url.protocol}`);
  if (url.username || url.password)
    throw new Error('audit webhook URL must not carry credentials; requests are signed instead');
  if ((settings.caFile || settings.caBundle) && url.protocol !== 'https:')
    throw new Error('an audit CA applies to an https webhook URL only');
  if (settings.caFile && settings.caBundle)
    throw new Error('give the audit CA as a file (caFile) or inline (caBundle), not both');
  const ca = settings.caFile ? (await sources.readFile(settings.caFile)).toString('utf8') : settings.caBundle;
  if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error('the audit CA is not a PEM certificate bundle');

  if (Boolean(settings.signingKeyFile) === Boolean(settings.signingKeySecret))
    throw new Error(
      'audit needs exactly one signing key: --audit-signing-key-file or --audit-signing-key-secret',
    );
  let signingKey: Buffer;
  if (settings.signingKeySecret) {
    const [name, key = AUDIT_DEFAULTS.secretKey, ...extra] = settings.signingKeySecret.split('/');
    if (!name || extra.length > 0)
      throw new Error(
        `audit signing key Secret "${settings.signingKeySecret}" is not <name> or <name>/<key>`,
      );
    signingKey = trimKey(await sources.readSecret(name, key));
  } else {
    signingKey = trimKey(await sources.readFile(settings.signingKeyFile!));
  }
  if (signingKey.length < MIN_KEY_BYTES)
    throw new Error(`the audit signing key must be at least ${MIN_KEY_BYTES} bytes long`);

  const timeoutMs = parseDuration(settings.timeout ?? AUDIT_DEFAULTS.timeout);
  if (!(timeoutMs > 0)) throw new Error(`audit timeout must be positive, got "${settings.timeout}"`);
  const maxBacklog = Number(settings.maxBacklog ?? AUDIT_DEFAULTS.maxBacklog);
  if (!Number.isInteger(maxBacklog) || maxBacklog < 1)
    throw new Error(`audit max backlog must be a positive integer, got "${settings.maxBacklog}"`);
  const share = /^(\d{1,3})%$/.exec(settings.namespaceShare ?? AUDIT_DEFAULTS.namespaceShare);
  const percent = Number(share?.[1]);
  if (!(percent >= 1 && percent <= 100))
    throw new Error(
      `audit namespace share must be a percentage from 1% to 100%, got "${settings.namespaceShare}"`,
    );
  return {
    url,
    ...(ca ? { ca } : {}),
    signingKey,
    timeoutMs,
    maxBacklog,
    namespaceShare: percent / 100,
    source: settings.source ?? `/bench-operator/${sources.namespace}`,
    namespace: sources.namespace,
  };
}

// `echo key > file` and `kubectl create secret --from-file` leave a newline that is not part of the key.
function trimKey(key: Buffer): Buffer {
  let end = key.length;
  while (end > 0 && (key[end - 1] === 0x0a || key[end - 1] === 0x0d)) end--;
  return key.subarray(0, end);
}
