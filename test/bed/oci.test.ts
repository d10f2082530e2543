// The OCI image builder: digests that match their blobs, a config naming the uncompressed layers
// and a numeric user, a layout a reader finds every blob in, and refusals naming the field.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, mediaTypes, sha256, writeOciArchive, type ImageSpec } from './oci.ts';
import { tar, type TarEntry } from './tar.ts';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kulta-oci-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const base: TarEntry[] = [
  { type: 'dir', path: 'etc', mode: 0o755 },
  { type: 'file', path: 'etc/passwd', mode: 0o644, content: new TextEncoder().encode('x\n') },
];
const app: TarEntry[] = [
  { type: 'file', path: 'server.mjs', mode: 0o644, content: new TextEncoder().encode('1') },
];
const spec: ImageSpec = {
  repository: 'dev.local/kulta-test',
  layers: [base, app],
  run: {
    user: '1000:1000',
    entrypoint: ['/usr/local/bin/node', '/server.mjs'],
    env: ['PATH=/usr/local/bin'],
    workingDir: '/',
    exposedPorts: [8080],
  },
};

const parse = (bytes: Uint8Array): Record<string, unknown> =>
  JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;

function blobOf(image: ReturnType<typeof buildImage>, digest: string): Uint8Array {
  const found = image.blobs.find((b) => b.descriptor.digest === digest);
  if (!found) throw new Error(`no blob ${digest}`);
  return found.bytes;
}

describe('OCI images', () => {
  it('gives every blob the digest and size of its bytes', () => {
    const image = buildImage(spec);
    expect(image.blobs).toHaveLength(4);
    for (const b of image.blobs) {
      expect(b.descriptor.digest).toBe(sha256(b.bytes));
      expect(b.descriptor.size).toBe(b.bytes.length);
    }
  });

  it('links manifest → config and gzipped layers, and the config → uncompressed layers', () => {
    const image = buildImage(spec);
    const manifest = parse(blobOf(image, image.manifest.digest));
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config: { mediaType: mediaTypes.config, digest: image.config.digest },
      layers: image.layers.map((l) => ({ mediaType: mediaTypes.layer, digest: l.digest })),
    });
    const layers = image.layers.map((l) => gunzipSync(blobOf(image, l.digest)));
    expect(layers[0]?.equals(tar(base))).toBe(true);
    const config = parse(blobOf(image, image.config.digest));
    expect(config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      config: {
        User: '1000:1000',
        Entrypoint: ['/usr/local/bin/node', '/server.mjs'],
        ExposedPorts: { '8080/tcp': {} },
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
    });
  });

  it('tags the image with its manifest digest and names it for containerd in the index', () => {
    const image = buildImage(spec);
    const tag = image.manifest.digest.slice(7, 23);
    expect(image.ref).toBe(`dev.local/kulta-test:${tag}`);
    expect(parse(image.index)).toEqual({
      schemaVersion: 2,
      mediaType: mediaTypes.index,
      manifests: [
        {
          ...image.manifest,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: {
            'io.containerd.image.name': image.ref,
            'org.opencontainers.image.ref.name': tag,
          },
        },
      ],
    });
  });

  it('builds the same image from the same files, and another from other files', () => {
    expect(buildImage(spec).ref).toBe(buildImage(spec).ref);
    const changed = { ...spec, layers: [base, [...app, { ...base[0], path: 'x' } as TarEntry]] };
    expect(buildImage(changed).ref).not.toBe(buildImage(spec).ref);
  });

  it('writes an image layout archive whose blobs are named by their digests', async () => {
    const image = buildImage(spec);
    const archive = join(scratch, 'image.oci.tar');
    await writeOciArchive(image, archive);
    const into = join(scratch, 'layout');
    await mkdir(into);
    execFileSync('tar', ['-x', '-f', archive, '-C', into]);
    expect(parse(await readFile(join(into, 'oci-layout')))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    expect(parse(await readFile(join(into, 'index.json')))).toEqual(parse(image.index));
    const names = await readdir(join(into, 'blobs', 'sha256'));
    expect(names.sort()).toEqual(image.blobs.map((b) => b.descriptor.digest.slice(7)).sort());
    for (const name of names) {
      expect(sha256(await readFile(join(into, 'blobs', 'sha256', name)))).toBe(`sha256:${name}`);
    }
  });

  it.each([
    ['a user name', { run: { ...spec.run, user: 'node' } }, 'User "node" must be numeric'],
    ['an empty entrypoint', { run: { ...spec.run, entrypoint: [] } }, 'Entrypoint is empty'],
    ['a repository without a registry', { repository: 'kulta' }, 'is not a registry/name'],
    ['a repository with a tag', { repository: 'dev.local/x:latest' }, 'is not a registry/name'],
    ['no layers', { layers: [] }, 'at least one layer'],
  ] satisfies [string, Partial<ImageSpec>, string][])('refuses %s', (_, change, message) => {
    expect(() => buildImage({ ...spec, ...change })).toThrow(message);
  });
});
