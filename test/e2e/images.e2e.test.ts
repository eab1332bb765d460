// The images `make images` builds (hack/images/build.sh) are what they claim, read from the OCI
// archives other scripts import: the Node 24 base from the devDependency's version on a Debian
// without apt or compilers; the operator and runner images run as 65532:65532 with the Dockerfiles'
// entrypoints, production dependencies only and no npm cache in any layer; and each entrypoint
// runs: the image's layers unpacked into a folder and its Entrypoint executed there as the
// config's User, in its WorkingDir with its Env (chroot; no container runtime needed).
//
// make test-e2e runs `make images` first, so build.sh answers from its cache here in about a
// second; run alone on a cold cache, beforeAll waits for the build.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOciArchive, readTar, type OciArchive } from '../../hack/images/oci-archive.ts';
import { repoRoot } from '../support/paths.ts';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
/** What npm ci installs, each package marked `dev` when only devDependencies need it. */
const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
};
const installed = Object.entries(lock.packages).filter(([where]) => where.startsWith('node_modules/'));
/** Every package a production install has (not optional: those depend on the platform). */
const production = installed.filter(([, entry]) => !entry.dev && !entry.optional && !entry.devOptional);
const devOnly = installed.filter(([, entry]) => entry.dev).map(([where]) => where);
const nodeVersion = execFileSync(path.join(repoRoot, 'node_modules/.bin/node'), ['--version'], {
  encoding: 'utf8',
}).trim();

/** Runs build.sh and returns its `<name>=<archive>` lines (stderr, its [images] lines, shown). */
function buildImages(): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, 'hack/images/build.sh'), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`hack/images/build.sh exited with ${code}`));
      const lines = out.trim().split('\n');
      resolve(
        new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])),
      );
    });
  });
}

interface Image {
  archive: OciArchive;
  /** Every path in every layer, without a leading `./`. */
  paths: string[];
  /** The paths of the layers above the base: what the Dockerfile's final stage added. */
  ownPaths: string[];
  layers: Buffer[];
}

/** Layers by digest, with their paths: the base layer, in all three archives, is read once. */
const layerCache = new Map<string, { tar: Buffer; paths: string[] }>();

function load(file: string): Image {
  const archive = readOciArchive(file);
  const layers = archive.manifest.layers.map((descriptor) => {
    let layer = layerCache.get(descriptor.digest);
    if (!layer) {
      const tar = archive.layer(descriptor);
      layer = { tar, paths: readTar(tar).map((entry) => entry.name.replace(/^\.\//, '')) };
      layerCache.set(descriptor.digest, layer);
    }
    return layer;
  });
  const paths = layers.map((layer) => layer.paths);
  return {
    archive,
    paths: paths.flat(),
    ownPaths: paths.slice(1).flat(),
    layers: layers.map((layer) => layer.tar),
  };
}

// Unpacked in memory where there is a tmpfs: extracting node_modules' 12,000 files to this
// machine's disk took 14 s per image, to /dev/shm 1.4 s.
const work = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-images-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Extracts a layer over a root filesystem, whiteouts applied. */
function extract(root: string, layer: Buffer): void {
  const names = readTar(layer).map((entry) => entry.name.replace(/^\.\//, '').replace(/\/$/, ''));
  for (const opaque of names.filter((n) => path.basename(n) === '.wh..wh..opq')) {
    execFileSync('find', [path.join(root, path.dirname(opaque)), '-mindepth', '1', '-delete']);
  }
  execFileSync('tar', ['-x', '-C', root], { input: layer });
  for (const whiteout of names.filter((n) => path.basename(n).startsWith('.wh.'))) {
    rmSync(path.join(root, whiteout), { force: true });
    const target = path.join(path.dirname(whiteout), path.basename(whiteout).slice('.wh.'.length));
    if (!whiteout.endsWith('.wh..wh..opq')) rmSync(path.join(root, target), { recursive: true, force: true });
  }
}

/** Base layers extracted so far, by digest: each image starts from a hard-linked copy. */
const extractedBases = new Map<string, string>();

/** The image's root filesystem: its layers extracted in order. */
function unpack(name: string, image: Image): string {
  const digest = image.archive.manifest.layers[0]!.digest;
  let base = extractedBases.get(digest);
  if (!base) {
    base = path.join(work, `base-${digest.slice('sha256:'.length, 'sha256:'.length + 12)}`);
    mkdirSync(base);
    extract(base, image.layers[0]!);
    extractedBases.set(digest, base);
  }
  const root = path.join(work, name);
  execFileSync('cp', ['-al', base, root]);
  for (const layer of image.layers.slice(1)) extract(root, layer);
  return root;
}

/**
 * Runs argv in the unpacked image as its config says: User, WorkingDir, Env. As root: chroot
 * --userspec. Otherwise a user namespace (as the namespace's root: 65532 is not mapped there).
 */
function runIn(image: Image, root: string, argv: string[]): { code: number; stdout: string; stderr: string } {
  const { User = '0:0', WorkingDir = '/', Env = [] } = image.archive.config.config;
  const env = Object.fromEntries(
    Env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  const command =
    process.getuid?.() === 0
      ? ['chroot', `--userspec=${User}`, root, '/bin/sh', '-c', 'cd "$0" && exec "$@"', WorkingDir, ...argv]
      : ['unshare', '--map-root-user', `--root=${root}`, `--wd=${WorkingDir}`, ...argv];
  try {
    const stdout = execFileSync(command[0]!, command.slice(1), { env, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let archives: Map<string, string>;
const images = new Map<string, Image>();
beforeAll(async () => {
  archives = await buildImages();
  for (const [name, file] of archives) images.set(name, load(file));
}, 1_800_000);

/** No npm cache anywhere (npm ci in the build stage keeps it in a RUN cache mount). */
const npmCache = /(^|\/)(\.npm|_cacache|\.cache)(\/|$)/;

describe('the Node 24 base image', () => {
  it('is named as build.sh says, one layer from scratch, CMD node', () => {
    const base = images.get('node-base')!;
    expect(base.archive.refName).toBe('localhost/bench-operator/node:24-bookworm-slim');
    expect(base.archive.manifest.layers).toHaveLength(1);
    expect(base.archive.config.config.Cmd).toEqual(['node']);
    expect(base.archive.config.config.Labels?.['dev.bench.node.version']).toBe(nodeVersion.slice(1));
  });

  it("holds the devDependency's node, npm, libstdc++, and neither apt, compilers nor docs", () => {
    const paths = new Set(images.get('node-base')!.paths);
    for (const wanted of [
      'usr/local/bin/node',
      'usr/local/bin/npm',
      'usr/local/lib/node_modules/npm/bin/npm-cli.js',
      'usr/lib/x86_64-linux-gnu/libstdc++.so.6',
      'etc/debian_version',
    ]) {
      expect(paths.has(wanted), wanted).toBe(true);
    }
    const unwanted = [...paths].filter(
      (p) =>
        /^usr\/(bin|local\/bin)\/(apt|apt-get|gcc|cc|c\+\+|g\+\+|make|python3)$/.test(p) ||
        /^usr\/share\/(man|locale)\/./.test(p) ||
        npmCache.test(p),
    );
    expect(unwanted).toEqual([]);
  });
});

const apps = [
  {
    name: 'bench-operator',
    entrypoint: ['node', 'dist/operator/src/main.js'],
    ports: ['8080/tcp', '8081/tcp'],
    // Unknown flags are refused by the operator's own argument parser: its code and dependencies load.
    run: { args: ['--no-such-flag'], expect: /ERR_PARSE_ARGS_UNKNOWN_OPTION/ },
    own: 'app/dist/operator/src/main.js',
  },
  {
    name: 'bench-runner',
    entrypoint: ['node', 'dist/runner/src/main.js'],
    ports: undefined,
    run: { args: ['--help'], expect: /--dataset <source>/ },
    own: 'app/dist/runner/src/main.js',
  },
];

describe.each(apps)('$name', (app) => {
  const image = (): Image => images.get(app.name)!;

  it('is named as tagged, on the base image, runs as 65532:65532 with the Dockerfile entrypoint', () => {
    const { archive } = image();
    expect(archive.refName).toBe(`ghcr.io/bench-operator/${app.name}:${pkg.version}`);
    const base = images.get('node-base')!.archive;
    expect(archive.config.rootfs.diff_ids[0]).toBe(base.config.rootfs.diff_ids[0]);
    const config = archive.config.config;
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(app.entrypoint);
    expect(config.WorkingDir).toBe('/app');
    expect(config.Env).toContain('NODE_ENV=production');
    expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual(app.ports ?? []);
  });

  it('has its compiled code and the production dependencies: no devDependency, npm cache or source', () => {
    const { paths, ownPaths } = image();
    const all = new Set(paths);
    expect(all.has(app.own), app.own).toBe(true);
    const missing = production
      .map(([where]) => where)
      .filter((where) => !all.has(`app/${where}/package.json`));
    expect(missing).toEqual([]);
    // Packages only devDependencies need (package-lock.json's `dev`), vitest and typescript among them.
    const packages = new Set(
      ownPaths
        .filter((p) => p.endsWith('/package.json'))
        .map((p) => p.slice('app/'.length, -'/package.json'.length)),
    );
    expect(devOnly).toContain('node_modules/vitest');
    expect(devOnly).toContain('node_modules/typescript');
    expect(devOnly.filter((where) => packages.has(where))).toEqual([]);
    expect(paths.filter((p) => npmCache.test(p))).toEqual([]);
    // Nor the build's own npm settings (build.sh mounts a CA and an npmrc as /root in RUN steps
    // where a TLS-inspecting proxy needs them), nor mount points made for them.
    const buildSettings =
      /^(root\/(\.npmrc|build-ca\.crt)|usr\/local\/etc\/npmrc|etc\/ssl\/certs\/build-ca\.crt)$/;
    expect(paths.filter((p) => buildSettings.test(p))).toEqual([]);
    // Nor mount points a RUN step left behind (buildah makes those missing from the base).
    expect(ownPaths.filter((p) => /^(root\/.|etc\/(hostname|hosts|resolv\.conf)$)/.test(p))).toEqual([]);
    // TypeScript: neither our sources nor the dependencies' declarations (the Dockerfile drops them).
    expect(ownPaths.filter((p) => /\.(ts|mts|cts)$/.test(p) && !p.startsWith('app/node_modules/'))).toEqual(
      [],
    );
    expect(ownPaths.filter((p) => /\.d\.(ts|mts|cts)$/.test(p))).toEqual([]);
  });

  it('runs its entrypoint with the image node, as the config says', () => {
    const root = unpack(app.name, image());
    const version = runIn(image(), root, ['node', '--version']);
    expect(version.stdout.trim()).toBe(nodeVersion);
    const npm = runIn(image(), root, ['npm', '--version']);
    expect(npm.stdout.trim()).toBe(image().archive.config.config.Labels?.['dev.bench.npm.version']);
    const result = runIn(image(), root, [...app.entrypoint, ...app.run.args]);
    expect(`${result.stdout}${result.stderr}`).toMatch(app.run.expect);
    // The user has a passwd entry with its group: the kubelet passes the image's uid alone, and
    // containerd takes the group from there.
    const passwd = readFileSync(path.join(root, 'etc/passwd'), 'utf8');
    expect(passwd.split('\n').some((line) => /^[^:]+:[^:]*:65532:65532:/.test(line))).toBe(true);
    if (process.getuid?.() === 0) {
      expect(
        runIn(image(), root, ['node', '-p', 'process.getuid() + ":" + process.getgid()']).stdout.trim(),
      ).toBe('65532:65532');
    }
  });
});

describe("the build contexts are the ignore files' admissions", () => {
  const list = (dockerfile: string, ignorefile: string): string[] =>
    execFileSync(
      path.join(repoRoot, 'node_modules/.bin/node'),
      ['hack/images/context-key.ts', '--list', '.', dockerfile, ignorefile],
      { cwd: repoRoot, encoding: 'utf8' },
    )
      .trim()
      .split('\n');

  it('the runner image keys on runner/src and the npm files only, without tests', () => {
    const files = list('runner/Dockerfile', 'runner/Dockerfile.dockerignore');
    expect(files).toContain('runner/src/main.ts');
    expect(files).toContain('package-lock.json');
    expect(
      files.filter(
        (f) =>
          !/^(runner\/src\/|package(-lock)?\.json$|tsconfig\.json$|runner\/tsconfig\.build\.json$)/.test(f),
      ),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
  });

  it('the operator image keys on operator/src, the runner contract and the npm files only, without tests', () => {
    const files = list('Dockerfile', '.dockerignore');
    expect(files).toContain('operator/src/main.ts');
    expect(files).toContain('runner/src/contract/exit-codes.ts');
    expect(
      files.filter(
        (f) =>
          !/^(operator\/src\/|runner\/src\/contract\/|package(-lock)?\.json$|tsconfig(\.build)?\.json$)/.test(
            f,
          ),
      ),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
  });
});
