import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from './errors.ts';
import { localMounts, localPath, type LocalMount, type LocalMountsInput } from './local-volumes.ts';
import type { Manifest } from './manifests.ts';

const configMap = (
  name: string,
  data: Record<string, string>,
  binaryData: Record<string, string> = {},
): Manifest => ({
  file: 'cm.yaml',
  index: 0,
  object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, binaryData },
});

function job(volumes: V1Volume[], mounts: V1VolumeMount[]): V1Job {
  return {
    metadata: { name: 'j', namespace: 'team-a' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'runner', volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...mounts] }],
          volumes: [{ name: 'tmp', emptyDir: {} }, ...volumes],
        },
      },
    },
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'local-volumes-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const input = (j: V1Job, extra: Partial<LocalMountsInput> = {}): LocalMountsInput => ({
  job: j,
  manifests: [
    configMap(
      'datasets',
      { 'a.jsonl': '{"prompt":"a"}\n', 'b.jsonl': 'b' },
      { 'c.bin': Buffer.from([0, 1, 2]).toString('base64') },
    ),
  ],
  dir: path.join(dir, 'work'),
  given: {},
  cwd: dir,
  ...extra,
});

function error(run: () => unknown): CliError {
  try {
    run();
  } catch (caught) {
    expect(caught).toBeInstanceOf(CliError);
    return caught as CliError;
  }
  throw new Error('no error');
}

describe('localMounts', () => {
  it('writes a ConfigMap volume’s keys as files (binaryData decoded), and leaves the operator’s /tmp to this machine', () => {
    const mounts = localMounts(
      input(job([{ name: 'data', configMap: { name: 'datasets' } }], [{ name: 'data', mountPath: '/data' }])),
    );
    expect(mounts).toEqual([
      { mountPath: '/data', localPath: path.join(dir, 'work/volumes/data'), source: 'ConfigMap datasets' },
    ]);
    const local = mounts[0]!.localPath;
    expect(readdirSync(local).sort()).toEqual(['a.jsonl', 'b.jsonl', 'c.bin']);
    expect(readFileSync(path.join(local, 'a.jsonl'), 'utf8')).toBe('{"prompt":"a"}\n');
    expect([...readFileSync(path.join(local, 'c.bin'))]).toEqual([0, 1, 2]);
  });

  it('projects only the items, at their paths; a subPath mount is the one file; an emptyDir is an empty folder', () => {
    const volumes: V1Volume[] = [
      {
        name: 'data',
        configMap: { name: 'datasets', items: [{ key: 'a.jsonl', path: 'eval/items.jsonl' }] },
      },
      { name: 'scratch', emptyDir: {} },
    ];
    const mounts = localMounts(
      input(
        job(volumes, [
          { name: 'data', mountPath: '/data' },
          { name: 'data', mountPath: '/items.jsonl', subPath: 'eval/items.jsonl' },
          { name: 'scratch', mountPath: '/scratch' },
        ]),
      ),
    );
    const [data, file, scratch] = mounts.map((m) => m.localPath);
    expect(readdirSync(data!)).toEqual(['eval']);
    expect(file).toBe(path.join(data!, 'eval/items.jsonl'));
    expect(readFileSync(file!, 'utf8')).toBe('{"prompt":"a"}\n');
    expect(readdirSync(scratch!)).toEqual([]);
  });

  it('uses a folder given with --mount (relative to the working directory) instead of making the volume', () => {
    mkdirSync(path.join(dir, 'mine'));
    const mounts = localMounts(
      input(
        job(
          [{ name: 'corpus', persistentVolumeClaim: { claimName: 'corpus' } }],
          [{ name: 'corpus', mountPath: '/corpus' }],
        ),
        {
          given: { '/corpus': 'mine' },
        },
      ),
    );
    expect(mounts).toEqual([{ mountPath: '/corpus', localPath: path.join(dir, 'mine'), source: '--mount' }]);
  });

  it('says what to do for a volume it cannot make, a ConfigMap it does not have, a missing key, a --mount that fits nothing', () => {
    const pvc = job(
      [{ name: 'corpus', persistentVolumeClaim: { claimName: 'corpus' } }],
      [{ name: 'corpus', mountPath: '/corpus' }],
    );
    expect(error(() => localMounts(input(pvc))).message).toBe(
      'volume corpus (mounted at /corpus) is a persistentVolumeClaim, which benchctl cannot make on this machine: give a local folder or file with --mount /corpus=<path>',
    );
    expect(error(() => localMounts(input(pvc, { given: { '/corpus': 'nowhere' } }))).message).toBe(
      `--mount /corpus=nowhere: ${path.join(dir, 'nowhere')} does not exist`,
    );
    expect(error(() => localMounts(input(pvc, { given: { '/data': '.' } }))).message).toBe(
      '--mount /data: the run mounts nothing there (its mounts: /corpus)',
    );
    const other = job(
      [{ name: 'data', configMap: { name: 'other' } }],
      [{ name: 'data', mountPath: '/data' }],
    );
    expect(error(() => localMounts(input(other))).message).toBe(
      'volume data (mounted at /data) is ConfigMap other, which is not among the manifests: give its file with --policies, or give a local folder or file with --mount /data=<path>',
    );
    const missingKey = job(
      [{ name: 'data', configMap: { name: 'datasets', items: [{ key: 'z.jsonl', path: 'z.jsonl' }] } }],
      [{ name: 'data', mountPath: '/data' }],
    );
    expect(error(() => localMounts(input(missingKey))).message).toBe(
      "ConfigMap datasets has no key z.jsonl, which the volume's items name",
    );
  });

  it('makes an optional ConfigMap that is not there an empty folder, as the kubelet does', () => {
    const optional = job(
      [{ name: 'data', configMap: { name: 'other', optional: true } }],
      [{ name: 'data', mountPath: '/data' }],
    );
    expect(readdirSync(localMounts(input(optional))[0]!.localPath)).toEqual([]);
  });

  it('never writes outside the volume’s folder, whatever the manifests say', () => {
    const escaping = job(
      [{ name: 'data', configMap: { name: 'datasets', items: [{ key: 'a.jsonl', path: '../../outside' }] } }],
      [{ name: 'data', mountPath: '/data' }],
    );
    expect(error(() => localMounts(input(escaping))).message).toBe(
      'ConfigMap datasets: "../../outside" is not a path inside the volume',
    );
    expect(existsSync(path.join(dir, 'outside'))).toBe(false);
  });
});

describe('localPath', () => {
  const mounts: LocalMount[] = [
    { mountPath: '/data', localPath: '/here/data', source: 'emptyDir' },
    { mountPath: '/data/big/', localPath: '/mnt/big', source: '--mount' },
  ];

  it('moves a path under a mount, alone or as an option’s value; the deepest mount wins', () => {
    expect(localPath('/data/a.jsonl', mounts)).toBe('/here/data/a.jsonl');
    expect(localPath('--dataset=/data/a.jsonl', mounts)).toBe('--dataset=/here/data/a.jsonl');
    expect(localPath('-d=/data', mounts)).toBe('-d=/here/data');
    expect(localPath('--dataset=/data/big/x.jsonl', mounts)).toBe('--dataset=/mnt/big/x.jsonl');
  });

  it('leaves everything else as it is', () => {
    for (const value of [
      '/database/a',
      'data/a',
      '--dataset=https://example.com/data/a',
      'env:DATASET',
      '--x',
      '',
    ]) {
      expect(localPath(value, mounts)).toBe(value);
    }
  });
});
