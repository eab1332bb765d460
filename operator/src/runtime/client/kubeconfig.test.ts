import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeConfig } from './kubeconfig.ts';

function kubeconfigFile(server: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kc-')), 'config');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  return file;
}

describe('loadKubeConfig', () => {
  it('prefers the flag over $KUBECONFIG', () => {
    const flag = kubeconfigFile('https://flag.example:6443');
    const env = { KUBECONFIG: kubeconfigFile('https://env.example:6443') };
    expect(loadKubeConfig({ kubeconfig: flag, env }).getCurrentCluster()?.server).toBe(
      'https://flag.example:6443',
    );
    expect(loadKubeConfig({ env }).getCurrentCluster()?.server).toBe('https://env.example:6443');
  });

  it('uses the first file of a $KUBECONFIG list', () => {
    const first = kubeconfigFile('https://first.example:6443');
    const env = { KUBECONFIG: [first, '/nonexistent'].join(path.delimiter) };
    expect(loadKubeConfig({ env }).getCurrentCluster()?.server).toBe('https://first.example:6443');
  });
});
