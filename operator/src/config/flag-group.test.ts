import { describe, expect, it } from 'vitest';
import { groupSettingsFromConfigMap, parseGroupArgs, splitGroupArgs, type FlagGroup } from './flag-group.ts';

interface Settings {
  url?: string;
  timeout?: string;
  inline?: string;
}

const GROUP: FlagGroup<Settings> = {
  prefix: 'demo',
  what: 'demo',
  settings: [
    { flag: 'demo-url', key: 'url' },
    { flag: 'demo-timeout', key: 'timeout' },
  ],
  configMapOnly: ['inline'],
};

describe('flag groups', () => {
  it('take their own flags out of the command line, both --flag=value and --flag value', () => {
    const { group, rest } = splitGroupArgs(
      ['--namespaces=a', '--demo-url', 'http://x/', '--audit-timeout=5s', '--demo-config=cm', '--leader-elect'],
      'demo',
    );
    expect(rest).toEqual(['--namespaces=a', '--audit-timeout=5s', '--leader-elect']);
    expect(parseGroupArgs(GROUP, group)).toEqual({ settings: { url: 'http://x/' }, configMap: 'cm' });
    expect(parseGroupArgs(GROUP, [])).toEqual({ settings: {} });
    expect(() => parseGroupArgs(GROUP, ['--demo-nope=1'])).toThrow(/demo-nope/);
  });

  it('read a ConfigMap under the same keys, trimmed; an unknown key is an error naming the known ones', () => {
    expect(groupSettingsFromConfigMap(GROUP, 'cm', { url: ' http://x/\n', inline: 'pem' })).toEqual({
      url: 'http://x/',
      inline: 'pem',
    });
    expect(groupSettingsFromConfigMap(GROUP, 'cm', undefined)).toEqual({});
    expect(() => groupSettingsFromConfigMap(GROUP, 'cm', { URL: 'x' })).toThrow(
      'ConfigMap cm: unknown demo setting "URL" (known: url, timeout, inline)',
    );
  });
});
