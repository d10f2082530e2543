// The images the real test bed runs, built from this checkout into OCI archives (oci.ts) that the
// node's containerd imports: no registry, no container engine. Every image is Node 24 (the
// binary npm installed into node_modules/node, with the shared libraries it links, found with
// ldd on this Linux machine) plus esbuild bundles, running as uid 1000.
//
//   demo   the demo workload (test/bed/demo-app): VERSION, ERROR_RATE, LATENCY_MS, port 8080
//   kulta  KULTA's functions, as knative/Containerfile builds them (reconcile, tick, dashboard)
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { buildFunctions } from '../../scripts/build-functions.ts';
import { cacheRoot, type Progress } from './assets.ts';
import { buildImage, writeOciArchive, type RunConfig } from './oci.ts';
import type { TarEntry } from './tar.ts';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodeBinary = join(root, 'node_modules', 'node', 'bin', 'node');

/** The images `npm run cluster:image -- <name>` builds, and their repositories. */
export const imageRepositories = {
  demo: 'dev.local/kulta-demo',
  kulta: 'dev.local/kulta',
} as const;
export type ImageName = keyof typeof imageRepositories;
export const imageNames = Object.keys(imageRepositories) as ImageName[];

/** A built image: the reference it is tagged with and the OCI archive to import. */
export interface BuiltImage {
  readonly name: ImageName;
  /** `<repository>:<content hash>`: Knative skips tag resolution for dev.local. */
  readonly ref: string;
  readonly archive: string;
  readonly manifestDigest: string;
}

/** Paths of the shared libraries `binary` links, from `ldd`; throws naming any not found. */
export function parseLdd(output: string, binary: string): string[] {
  const paths: string[] = [];
  const missing: string[] = [];
  for (const line of output.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('linux-vdso') || line.includes('statically linked'))
      continue;
    if (line.includes('not found')) {
      missing.push(line.split(/\s/)[0] ?? line);
      continue;
    }
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)$/.exec(line);
    if (match?.[1]) paths.push(match[1]);
  }
  if (missing.length > 0) {
    throw new Error(`${binary} links libraries this machine lacks: ${missing.join(', ')}`);
  }
  return paths;
}

/** Folder entries for every parent of `paths` (mode 0755, root-owned), parents first. */
export function parentDirs(paths: readonly string[], except: ReadonlySet<string>): TarEntry[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i += 1) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs]
    .filter((d) => !except.has(d))
    .sort()
    .map((path) => ({ type: 'dir', path, mode: 0o755 }));
}

async function fileEntry(imagePath: string, hostPath: string, mode: number): Promise<TarEntry> {
  return { type: 'file', path: imagePath, mode, content: await readFile(await realpath(hostPath)) };
}

/** The runtime layer: Node 24, the libraries it links, a passwd naming uid 1000, /tmp. */
async function nodeRuntimeLayer(progress: Progress): Promise<TarEntry[]> {
  if (process.platform !== 'linux') {
    throw new Error(`images are built on Linux (the node's platform), not ${process.platform}`);
  }
  const { stdout } = await run('ldd', [nodeBinary]).catch((error: unknown) => {
    throw new Error(`ldd ${nodeBinary} failed (run \`npm ci\` first): ${String(error)}`, {
      cause: error,
    });
  });
  const libraries = parseLdd(stdout, nodeBinary);
  progress(`image: node runtime with ${libraries.map((l) => l.split('/').pop()).join(', ')}`);
  const files: TarEntry[] = [
    await fileEntry('usr/local/bin/node', nodeBinary, 0o755),
    ...(await Promise.all(libraries.map((l) => fileEntry(l.slice(1), l, 0o755)))),
    text(
      'etc/passwd',
      'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/home/node:/sbin/nologin\n',
    ),
    text('etc/group', 'root:x:0:\nnode:x:1000:\n'),
  ];
  const special: TarEntry[] = [
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'home/node', mode: 0o755, uid: 1000 },
    { type: 'dir', path: 'app', mode: 0o755 },
  ];
  const paths = [...files, ...special].map((e) => e.path);
  const except = new Set(special.map((e) => e.path));
  return [...parentDirs(paths, except), ...special, ...files];
}

function text(path: string, content: string): TarEntry {
  return { type: 'file', path, mode: 0o644, content: new TextEncoder().encode(content) };
}

/** Every file under `dir`, as entries under `into` (sorted, readable by every user). */
async function folderEntries(dir: string, into: string): Promise<TarEntry[]> {
  const names = (await readdir(dir, { recursive: true })).sort();
  const entries: TarEntry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const imagePath = `${into}/${relative(dir, path)}`;
    if ((await stat(path)).isDirectory())
      entries.push({ type: 'dir', path: imagePath, mode: 0o755 });
    else entries.push(await fileEntry(imagePath, path, 0o644));
  }
  return entries;
}

async function demoApp(): Promise<{ layer: TarEntry[]; run: RunConfig }> {
  const result = await build({
    entryPoints: [join(root, 'test', 'bed', 'demo-app', 'server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    logLevel: 'warning',
  });
  const bundle = result.outputFiles[0];
  if (!bundle) throw new Error('esbuild wrote no bundle for the demo server');
  return {
    layer: [{ type: 'file', path: 'app/server.mjs', mode: 0o644, content: bundle.contents }],
    run: {
      user: '1000:1000',
      entrypoint: ['/usr/local/bin/node', '/app/server.mjs'],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'PORT=8080'],
      workingDir: '/app',
      exposedPorts: [8080],
      labels: { 'org.opencontainers.image.title': 'kulta-demo' },
    },
  };
}

async function kultaApp(): Promise<{ layer: TarEntry[]; run: RunConfig }> {
  const out = await mkdtemp(join(tmpdir(), 'kulta-image-'));
  try {
    await buildFunctions(out);
    return {
      layer: await folderEntries(out, 'app'),
      // As knative/Containerfile: node as the entrypoint, the function's bundle as the argument.
      run: {
        user: '1000:1000',
        entrypoint: ['/usr/local/bin/node'],
        cmd: ['/app/reconcile.mjs'],
        env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
        workingDir: '/app',
        exposedPorts: [8080],
        labels: { 'org.opencontainers.image.title': 'kulta' },
      },
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Where image archives are written: `<test-bed cache>/images/`. */
export function imagesDir(): string {
  return join(cacheRoot(), 'images');
}

/** Builds one image into an OCI archive; older archives of the same image are removed. */
export async function buildBedImage(name: ImageName, progress: Progress): Promise<BuiltImage> {
  const started = Date.now();
  const app = name === 'demo' ? await demoApp() : await kultaApp();
  const repository = imageRepositories[name];
  const image = buildImage({
    repository,
    layers: [await nodeRuntimeLayer(progress), app.layer],
    run: app.run,
  });
  const tag = image.ref.slice(image.ref.lastIndexOf(':') + 1);
  const dir = imagesDir();
  await mkdir(dir, { recursive: true });
  const base = repository.slice(repository.lastIndexOf('/') + 1);
  const file = `${base}-${tag}.oci.tar`;
  const archive = join(dir, file);
  for (const old of await readdir(dir)) {
    if (new RegExp(`^${base}-[0-9a-f]{16}\\.oci\\.tar$`).test(old) && old !== file) {
      await rm(join(dir, old), { force: true });
    }
  }
  await writeOciArchive(image, archive);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  progress(`image: ${image.ref} written to ${archive} in ${secs}s`);
  return { name, ref: image.ref, archive, manifestDigest: image.manifest.digest };
}
