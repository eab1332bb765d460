// The volumes of a Job's runner container, made on the user's machine for benchctl run-local: a
// ConfigMap volume is written out from the manifests (its keys as files, as the kubelet projects
// them), an emptyDir is an empty folder, and any mount can be given a local folder or file instead
// (--mount). Paths under a mount in the container's arguments and environment are then rewritten to
// where the mount is here, so `--dataset=/data/hello.jsonl` reads the ConfigMap's key.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { V1ConfigMap, V1Job, V1KeyToPath, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { TMP_VOLUME_NAME } from '../core/render/job.ts';
import { findingError, usageError } from './errors.ts';
import { findConfigMap } from './job-environment.ts';
import type { Manifest } from './manifests.ts';

/** A mount of the container and where it is on this machine. */
export interface LocalMount {
  mountPath: string;
  localPath: string;
  /** What it holds, for the user: `ConfigMap bench-datasets`, `emptyDir`, `--mount`. */
  source: string;
}

export interface LocalMountsInput {
  job: V1Job;
  manifests: Manifest[];
  /** A fresh folder to write the volumes in; the caller removes it. */
  dir: string;
  /** Local paths the user gave, by mount path (--mount /data=./datasets), relative to `cwd`. */
  given: Record<string, string>;
  cwd: string;
}

const hint = (mountPath: string) => `give a local folder or file with --mount ${mountPath}=<path>`;

/** `path` inside `dir`, or a clear error for a key or path that would land outside it. */
function inside(dir: string, relative: string, what: string): string {
  const target = path.resolve(dir, relative);
  if (!target.startsWith(dir + path.sep))
    throw findingError(`${what}: ${JSON.stringify(relative)} is not a path inside the volume`);
  return target;
}

/** Writes a ConfigMap's keys (all, or the volume's items) as files, as the kubelet does. */
function writeConfigMap(
  configMap: V1ConfigMap,
  items: V1KeyToPath[] | undefined,
  dir: string,
  what: string,
): void {
  const values = new Map<string, Buffer>([
    ...Object.entries(configMap.data ?? {}).map(([key, text]) => [key, Buffer.from(text, 'utf8')] as const),
    ...Object.entries(configMap.binaryData ?? {}).map(
      ([key, b64]) => [key, Buffer.from(b64, 'base64')] as const,
    ),
  ]);
  const projected = items ?? [...values.keys()].map((key) => ({ key, path: key }));
  for (const { key, path: file } of projected) {
    const value = values.get(key);
    if (value === undefined) {
      throw findingError(`${what} has no key ${key}, which the volume's items name`);
    }
    const target = inside(dir, file, what);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, value);
  }
}

/** The folder of one volume, made once however many mounts use it. */
function makeVolume(
  volume: V1Volume,
  input: LocalMountsInput,
  mountPath: string,
): { dir: string; source: string } {
  const dir = path.join(input.dir, 'volumes', volume.name);
  if (volume.emptyDir) {
    mkdirSync(dir, { recursive: true });
    return { dir, source: 'emptyDir' };
  }
  if (volume.configMap) {
    const { name = '', items, optional } = volume.configMap;
    const what = `ConfigMap ${name}`;
    mkdirSync(dir, { recursive: true });
    const configMap = findConfigMap(input.manifests, input.job.metadata!.namespace!, name);
    if (configMap) writeConfigMap(configMap, items, dir, what);
    else if (!optional) {
      throw findingError(
        `volume ${volume.name} (mounted at ${mountPath}) is ${what}, which is not among the manifests: ` +
          `give its file with --policies, or ${hint(mountPath)}`,
      );
    }
    return { dir, source: what };
  }
  const kind = Object.keys(volume).find((key) => key !== 'name') ?? 'volume';
  throw findingError(
    `volume ${volume.name} (mounted at ${mountPath}) is a ${kind}, which benchctl cannot make on this machine: ${hint(mountPath)}`,
  );
}

/** The container's mounts (the operator's /tmp aside: this machine has its own) and where each is here. */
export function localMounts(input: LocalMountsInput): LocalMount[] {
  const pod = input.job.spec!.template.spec!;
  const mounts = (pod.containers[0]!.volumeMounts ?? []).filter((m) => m.name !== TMP_VOLUME_NAME);
  for (const mountPath of Object.keys(input.given)) {
    if (!mounts.some((m) => m.mountPath === mountPath)) {
      const paths = mounts.map((m) => m.mountPath).join(', ') || 'none';
      throw usageError(`--mount ${mountPath}: the run mounts nothing there (its mounts: ${paths})`);
    }
  }
  const made = new Map<string, { dir: string; source: string }>();
  return mounts.map((mount: V1VolumeMount): LocalMount => {
    const given = input.given[mount.mountPath];
    if (given !== undefined) {
      const localPath = path.resolve(input.cwd, given);
      if (!existsSync(localPath))
        throw usageError(`--mount ${mount.mountPath}=${given}: ${localPath} does not exist`);
      return { mountPath: mount.mountPath, localPath, source: '--mount' };
    }
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (!volume)
      throw findingError(
        `the mount at ${mount.mountPath} names volume ${mount.name}, which the Job does not have`,
      );
    const volumeDir = made.get(volume.name) ?? makeVolume(volume, input, mount.mountPath);
    made.set(volume.name, volumeDir);
    const localPath = mount.subPath
      ? inside(volumeDir.dir, mount.subPath, `volume ${volume.name}`)
      : volumeDir.dir;
    return { mountPath: mount.mountPath, localPath, source: volumeDir.source };
  });
}

/**
 * A value naming a path under a mount (`/data/x.jsonl`, or an option's `--dataset=/data/x.jsonl`),
 * moved to where the mount is here; the deepest mount wins, as in the container. Anything else is
 * returned as it is.
 */
export function localPath(value: string, mounts: readonly LocalMount[]): string {
  const option = /^(--?[^=]+=)(.*)$/s.exec(value);
  const [prefix, text] = option ? [option[1]!, option[2]!] : ['', value];
  const mount = mounts
    .filter((m) => {
      const root = m.mountPath.replace(/\/+$/, '');
      return text === root || text.startsWith(`${root}/`);
    })
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return value;
  return prefix + mount.localPath + text.slice(mount.mountPath.replace(/\/+$/, '').length);
}
