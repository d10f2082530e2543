// Writes OCI image archives without a registry or a container engine: layers as tar.gz, an image
// config (numeric User, so Kubernetes' runAsNonRoot can check it), a manifest, and the image
// layout (oci-layout, index.json, blobs/sha256/…) in one tar that `ctr images import` takes.
// Deterministic: the same files give the same digests, and the tag is the manifest's digest.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tar, tarChunks, type TarEntry } from './tar.ts';

export const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** A content descriptor: what a blob is, its digest and size. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What the image runs: the parts of the OCI image config's `config` this builder writes. */
export interface RunConfig {
  /** A number (`"1000"` or `"1000:1000"`): names cannot be checked against runAsNonRoot. */
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd?: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly exposedPorts?: readonly number[];
  readonly labels?: Readonly<Record<string, string>>;
}

/** An image to write: its repository (`dev.local/kulta-demo`), layers bottom first, config. */
export interface ImageSpec {
  readonly repository: string;
  readonly layers: readonly (readonly TarEntry[])[];
  readonly run: RunConfig;
}

/** A blob of the image layout, with its descriptor. */
export interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
}

/** The image, ready to write: every blob, the index, and the reference it is tagged with. */
export interface OciImage {
  /** `<repository>:<first 16 hex digits of the manifest digest>`, never `latest`. */
  readonly ref: string;
  readonly manifest: Descriptor;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly blobs: readonly Blob[];
  readonly index: Uint8Array;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function blob(mediaType: string, bytes: Uint8Array): Blob {
  return { descriptor: { mediaType, digest: sha256(bytes), size: bytes.length }, bytes };
}

/** Checks the parts a runtime or Kubernetes would refuse later, naming the field. */
export function checkSpec(spec: ImageSpec): void {
  if (!/^\d+(:\d+)?$/.test(spec.run.user)) {
    throw new Error(`image config User "${spec.run.user}" must be numeric (uid or uid:gid)`);
  }
  if (spec.run.entrypoint.length === 0) throw new Error('image config Entrypoint is empty');
  if (!/^[a-z0-9][a-z0-9.-]*(:\d+)?(\/[a-z0-9][a-z0-9._-]*)+$/.test(spec.repository)) {
    throw new Error(`image repository "${spec.repository}" is not a registry/name reference`);
  }
  if (spec.layers.length === 0) throw new Error('an image needs at least one layer');
}

function imageConfig(run: RunConfig, diffIds: readonly string[]): unknown {
  const ports = Object.fromEntries((run.exposedPorts ?? []).map((p) => [`${String(p)}/tcp`, {}]));
  return {
    created: '1970-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: run.user,
      Env: run.env,
      Entrypoint: run.entrypoint,
      ...(run.cmd ? { Cmd: run.cmd } : {}),
      WorkingDir: run.workingDir,
      ...(run.exposedPorts ? { ExposedPorts: ports } : {}),
      ...(run.labels ? { Labels: run.labels } : {}),
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'kulta test bed' })),
  };
}

/** Builds every blob of the image (layers gzipped) and the index naming it. */
export function buildImage(spec: ImageSpec): OciImage {
  checkSpec(spec);
  const uncompressed = spec.layers.map((entries) => tar(entries));
  const layers = uncompressed.map((bytes) => blob(mediaTypes.layer, gzipSync(bytes)));
  const config = blob(mediaTypes.config, json(imageConfig(spec.run, uncompressed.map(sha256))));
  const manifest = blob(
    mediaTypes.manifest,
    json({
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config: config.descriptor,
      layers: layers.map((l) => l.descriptor),
    }),
  );
  const tag = manifest.descriptor.digest.slice('sha256:'.length, 'sha256:'.length + 16);
  const ref = `${spec.repository}:${tag}`;
  const index = json({
    schemaVersion: 2,
    mediaType: mediaTypes.index,
    manifests: [
      {
        ...manifest.descriptor,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: {
          // containerd names the imported image after this; other tools read ref.name.
          'io.containerd.image.name': ref,
          'org.opencontainers.image.ref.name': tag,
        },
      },
    ],
  });
  return {
    ref,
    manifest: manifest.descriptor,
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
    blobs: [...layers, config, manifest],
    index,
  };
}

/** The image layout's entries: oci-layout, index.json and blobs/sha256/<hex>. */
export function layoutEntries(image: OciImage): TarEntry[] {
  const unique = new Map(image.blobs.map((b) => [b.descriptor.digest, b]));
  return [
    {
      type: 'file',
      path: 'oci-layout',
      mode: 0o644,
      content: json({ imageLayoutVersion: '1.0.0' }),
    },
    { type: 'file', path: 'index.json', mode: 0o644, content: image.index },
    { type: 'dir', path: 'blobs', mode: 0o755 },
    { type: 'dir', path: 'blobs/sha256', mode: 0o755 },
    ...[...unique.values()].map((b): TarEntry => ({
      type: 'file',
      path: `blobs/sha256/${b.descriptor.digest.slice('sha256:'.length)}`,
      mode: 0o644,
      content: b.bytes,
    })),
  ];
}

/** Writes the image as an OCI archive (a tar of the image layout) to `path`. */
export async function writeOciArchive(image: OciImage, path: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (const chunk of tarChunks(layoutEntries(image))) await file.write(chunk);
  } finally {
    await file.close();
  }
}
