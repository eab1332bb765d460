import { describe, expect, it } from 'vitest';
import {
  parseAuditArgs,
  resolveAuditConfig,
  settingsFromConfigMap,
  splitAuditArgs,
  type AuditSettings,
} from './config.ts';

const KEY = '0123456789abcdef0123456789abcdef';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function sources(files: Record<string, string> = {}, secrets: Record<string, string> = {}) {
  return {
    namespace: 'bench-system',
    readFile: (path: string) =>
      path in files
        ? Promise.resolve(Buffer.from(files[path]!))
        : Promise.reject(new Error(`ENOENT: ${path}`)),
    readSecret: (name: string, key: string) => {
      const value = secrets[`${name}/${key}`];
      if (value === undefined) return Promise.reject(new Error(`no Secret ${name} with key ${key}`));
      return Promise.resolve(Buffer.from(value));
    },
  };
}

const resolve = (settings: AuditSettings, files?: Record<string, string>, secrets?: Record<string, string>) =>
  resolveAuditConfig(settings, sources(files, secrets));

describe('audit flags', () => {
  it('are split from the manager flags and parsed, both --flag=value and --flag value', () => {
    const { audit, rest } = splitAuditArgs([
      '--namespaces=a',
      '--audit-webhook-url',
      'https://siem.example/bench',
      '--leader-elect=false',
      '--audit-timeout=5s',
      '--audit-config=bench-audit',
    ]);
    expect(rest).toEqual(['--namespaces=a', '--leader-elect=false']);
    expect(parseAuditArgs(audit)).toEqual({
      settings: { webhookURL: 'https://siem.example/bench', timeout: '5s' },
      configMap: 'bench-audit',
    });
    expect(() => parseAuditArgs(['--audit-nope=1'])).toThrow();
  });

  it('in a ConfigMap use the same names; an unknown key is an error', () => {
    expect(settingsFromConfigMap('cm', { webhookURL: ' http://x/ \n', caBundle: CA })).toEqual({
      webhookURL: 'http://x/',
      caBundle: CA.trim(),
    });
    expect(() => settingsFromConfigMap('cm', { webhookUrl: 'http://x/' })).toThrow(
      /ConfigMap cm: unknown audit setting "webhookUrl"/,
    );
  });
});

describe('resolveAuditConfig', () => {
  it('is off without a webhook URL, and refuses other settings without one', async () => {
    expect(await resolve({})).toBeUndefined();
    await expect(resolve({ timeout: '5s' })).rejects.toThrow(/without a webhook URL/);
  });

  it('reads the signing key from a file or a Secret, without a trailing newline, with defaults for the rest', async () => {
    const fromFile = await resolve(
      { webhookURL: 'http://127.0.0.1:9000/audit', signingKeyFile: '/key' },
      { '/key': `${KEY}\n` },
    );
    expect(fromFile).toMatchObject({
      timeoutMs: 10_000,
      maxBacklog: 10_000,
      namespaceShare: 0.25,
      source: '/bench-operator/bench-system',
      namespace: 'bench-system',
    });
    expect(fromFile?.signingKey.toString()).toBe(KEY);
    expect(fromFile?.url.href).toBe('http://127.0.0.1:9000/audit');
    const fromSecret = await resolve(
      { webhookURL: 'https://siem.example/', signingKeySecret: 'audit/hmac', caBundle: CA, timeout: '1m30s' },
      {},
      { 'audit/hmac': KEY },
    );
    expect(fromSecret).toMatchObject({ ca: CA, timeoutMs: 90_000 });
    const defaultKey = await resolve(
      {
        webhookURL: 'https://siem.example/',
        signingKeySecret: 'audit',
        maxBacklog: '50',
        namespaceShare: '100%',
        source: 'x',
      },
      {},
      { 'audit/key': KEY },
    );
    expect(defaultKey).toMatchObject({ maxBacklog: 50, namespaceShare: 1, source: 'x' });
  });

  it('names what is wrong', async () => {
    const url = 'https://siem.example/';
    const cases: Array<[AuditSettings, RegExp]> = [
      [{ webhookURL: 'not a url', signingKeySecret: 'a' }, /is not a URL/],
      [{ webhookURL: 'ftp://x/', signingKeySecret: 'a' }, /must be https \(or http/],
      [{ webhookURL: 'https://u:p@x/', signingKeySecret: 'a' }, /must not carry credentials/],
      [{ webhookURL: 'http://x/', signingKeySecret: 'a', caBundle: CA }, /https webhook URL only/],
      [{ webhookURL: url, signingKeySecret: 'a', caBundle: 'junk' }, /not a PEM certificate bundle/],
      [{ webhookURL: url }, /exactly one signing key/],
      [{ webhookURL: url, signingKeySecret: 'a', signingKeyFile: '/key' }, /exactly one signing key/],
      [{ webhookURL: url, signingKeySecret: 'a/b/c' }, /is not <name> or <name>\/<key>/],
      [{ webhookURL: url, signingKeySecret: 'short' }, /at least 16 bytes/],
      [{ webhookURL: url, signingKeySecret: 'a', timeout: '0s' }, /timeout must be positive/],
      [{ webhookURL: url, signingKeySecret: 'a', timeout: 'soon' }, /invalid duration/],
      [{ webhookURL: url, signingKeySecret: 'a', maxBacklog: '-1' }, /positive integer/],
      ...['0.25', '0%', '101%', '25 %'].map((namespaceShare): [AuditSettings, RegExp] => [
        { webhookURL: url, signingKeySecret: 'a', namespaceShare },
        /namespace share must be a percentage from 1% to 100%/,
      ]),
      [{ webhookURL: url, signingKeyFile: '/missing' }, /ENOENT/],
    ];
    for (const [settings, message] of cases) {
      await expect(
        resolve(settings, {}, { 'a/key': KEY, 'short/key': 'tiny' }),
        JSON.stringify(settings),
      ).rejects.toThrow(message);
    }
  });
});
