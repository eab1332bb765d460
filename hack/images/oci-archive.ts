// Reads an OCI archive (`buildah push <image> oci-archive:<file>:<tag>`: a tar of an OCI image
// layout) without a container tool: its manifest, config and layers, and the entries of a layer.
// build.sh uses it for the sizes it prints; test/e2e/images.e2e.test.ts for what it asserts.
//
//   node hack/images/oci-archive.ts info <archive>   # id=<config digest> layers=<n> unpacked=<bytes>
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  /** The ustar type flag: '0' file, '5' folder, '2' symlink, '1' hard link... */
  type: string;
  mode: number;
  linkname: string;
  data: Buffer;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  // Sizes above 8 GiB use base-256; no entry here comes close.
  return parseInt(field(block, offset, length).trim() || '0', 8);
}

/** PAX extended header records: "<length> <key>=<value>\n". */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = parseInt(data.subarray(at, space).toString('utf8'), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

/** The entries of an (uncompressed) tar: ustar, with PAX and GNU long names as Go and GNU tar write. */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let next: { path?: string; linkpath?: string } = {};
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = octal(header, 124, 12);
    const type = field(header, 156, 1) || '0';
    const data = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const records = paxRecords(data);
      next = { path: records.get('path'), linkpath: records.get('linkpath') };
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L' || type === 'K') {
      const value = field(data, 0, data.length);
      next = type === 'L' ? { ...next, path: value } : { ...next, linkpath: value };
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = next.path ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const linkname = next.linkpath ?? field(header, 157, 100);
    entries.push({ name, type, mode: octal(header, 100, 8), linkname, data });
    next = {};
  }
  return entries;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  config: {
    User?: string;
    Entrypoint?: string[];
    Cmd?: string[];
    Env?: string[];
    WorkingDir?: string;
    ExposedPorts?: Record<string, object>;
    Labels?: Record<string, string>;
  };
  rootfs: { diff_ids: string[] };
}

export interface OciArchive {
  /** The name the archive was pushed with (`org.opencontainers.image.ref.name`). */
  refName: string | undefined;
  manifest: { config: Descriptor; layers: Descriptor[] };
  /** The config's digest: the image ID that buildah, containerd and kubelet show. */
  id: string;
  config: ImageConfig;
  /** A layer's tar, uncompressed. */
  layer: (descriptor: Descriptor) => Buffer;
  /** Each layer's tar, uncompressed, base first. */
  layers: () => Buffer[];
}

export function readOciArchive(file: string): OciArchive {
  const blobs = new Map<string, Buffer>();
  for (const entry of readTar(readFileSync(file))) blobs.set(entry.name.replace(/^\.\//, ''), entry.data);
  const json = <T>(name: string): T => {
    const blob = blobs.get(name);
    if (!blob) throw new Error(`${file}: no ${name}`);
    return JSON.parse(blob.toString('utf8')) as T;
  };
  const blobName = (digest: string): string => `blobs/${digest.replace(':', '/')}`;
  const index = json<{ manifests: Descriptor[] }>('index.json');
  if (index.manifests.length !== 1)
    throw new Error(`${file}: ${index.manifests.length} manifests, expected 1`);
  const top = index.manifests[0]!;
  const manifest = json<OciArchive['manifest']>(blobName(top.digest));
  const layer = (descriptor: Descriptor): Buffer => {
    const blob = blobs.get(blobName(descriptor.digest));
    if (!blob) throw new Error(`${file}: layer ${descriptor.digest} missing`);
    return descriptor.mediaType.endsWith('gzip') ? gunzipSync(blob) : blob;
  };
  return {
    refName: top.annotations?.['org.opencontainers.image.ref.name'],
    manifest,
    id: manifest.config.digest,
    config: json<ImageConfig>(blobName(manifest.config.digest)),
    layer,
    layers: () => manifest.layers.map(layer),
  };
}

function main(argv: string[]): void {
  const [command, file] = argv;
  if (command !== 'info' || !file) {
    process.stderr.write('usage: oci-archive.ts info <archive>\n');
    process.exit(2);
  }
  const archive = readOciArchive(file);
  const unpacked = archive.layers().reduce((sum, layer) => sum + layer.length, 0);
  process.stdout.write(`id=${archive.id} layers=${archive.manifest.layers.length} unpacked=${unpacked}\n`);
}

if (import.meta.main) main(process.argv.slice(2));
