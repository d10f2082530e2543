// The pause sandbox image: one layer holding the static pause binary, written as an OCI image
// archive (oci-layout, index.json, blobs) that `ctr images import` takes.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../assets.ts';

async function blob(dir: string, content: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash('sha256').update(content).digest('hex');
  await writeFile(join(dir, 'blobs', 'sha256', hex), content);
  return { digest: `sha256:${hex}`, size: content.length };
}

/** Writes `<dir>/images/pause.tar` for `ref` and returns its path. */
export async function buildPauseImage(dir: string, pause: string, ref: string): Promise<string> {
  const work = join(dir, 'images', 'pause');
  await rm(work, { recursive: true, force: true });
  await mkdir(join(work, 'rootfs'), { recursive: true });
  await mkdir(join(work, 'oci', 'blobs', 'sha256'), { recursive: true });
  await copyFile(pause, join(work, 'rootfs', 'pause'));
  const layerTar = join(work, 'layer.tar');
  const tarOptions = ['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--sort=name'];
  await run(
    'tar',
    ['-C', join(work, 'rootfs'), ...tarOptions, '-cf', layerTar, 'pause'],
    '/',
    () => {
      return undefined;
    },
  );
  const oci = join(work, 'oci');
  const layerBytes = await readFile(layerTar);
  const layer = await blob(oci, layerBytes);
  const config = await blob(
    oci,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Entrypoint: ['/pause'], User: '65535:65535' },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = await blob(
    oci,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifest,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref },
      },
    ],
  };
  await writeFile(join(oci, 'index.json'), JSON.stringify(index));
  await writeFile(join(oci, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const archive = join(dir, 'images', 'pause.tar');
  await run('tar', ['-C', oci, ...tarOptions, '-cf', archive, '.'], '/', () => undefined);
  return archive;
}
