// The bed's Go-built tools: versions pinned by their wrapper modules, Prometheus' release number,
// the cache and the environment override used without building, and the error without Go.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { componentVersion } from './assets.ts';
import {
  ensurePrometheus,
  ensureTraefik,
  prometheusComponent,
  prometheusRelease,
  traefikComponent,
} from './tools.ts';

const saved = { ...process.env };
let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kulta-tools-'));
  process.env.KULTA_TESTBED_CACHE = join(scratch, 'cache');
  process.env.PATH = join(scratch, 'empty-path');
  delete process.env.PROMETHEUS_BINARY;
  delete process.env.PROMTOOL_BINARY;
});

afterEach(async () => {
  process.env = { ...saved };
  await rm(scratch, { recursive: true, force: true });
});

async function fakeBinaries(folder: string, names: readonly string[]): Promise<void> {
  await mkdir(join(scratch, 'cache', folder), { recursive: true });
  for (const name of names) {
    await writeFile(join(scratch, 'cache', folder, name), '#!/bin/sh\n');
    await chmod(join(scratch, 'cache', folder, name), 0o755);
  }
}

describe('the test bed’s tools', () => {
  it('pins Prometheus v0.316 and Traefik v3.6 in their wrapper modules', () => {
    expect(componentVersion('prometheus', prometheusComponent.module)).toBe('v0.316.0');
    expect(componentVersion('traefik', traefikComponent.module)).toMatch(/^v3\.6\.\d+$/);
  });

  it.each([
    ['v0.316.0', '3.16.0'],
    ['v0.305.2', '3.5.2'],
    ['v0.410.11', '4.10.11'],
  ])('names Prometheus module %s release %s', (module, release) => {
    expect(prometheusRelease(module)).toBe(release);
  });

  it.each(['v3.6.0', 'v0.31.0', 'v0.316.0-rc.1'])('refuses %s as a Prometheus version', (v) => {
    expect(() => prometheusRelease(v)).toThrow(`${v} is not a Prometheus v0.MNN.P module version`);
  });

  it('builds Prometheus with upstream’s service-discovery tags and its release stamped', () => {
    expect(prometheusComponent.tags).toEqual(['remove_all_sd', 'enable_kubernetes_sd']);
    expect(prometheusComponent.stamp?.('v0.316.0')).toContain(
      '-X github.com/prometheus/common/version.Version=3.16.0',
    );
  });

  it('uses cached Prometheus binaries without building them', async () => {
    await fakeBinaries('prometheus-v0.316.0', ['prometheus', 'promtool']);
    await expect(ensurePrometheus(() => undefined)).resolves.toEqual({
      prometheus: join(scratch, 'cache', 'prometheus-v0.316.0', 'prometheus'),
      promtool: join(scratch, 'cache', 'prometheus-v0.316.0', 'promtool'),
    });
  });

  it('uses $PROMETHEUS_BINARY and $PROMTOOL_BINARY when both are set', async () => {
    process.env.PROMETHEUS_BINARY = '/opt/p/prometheus';
    process.env.PROMTOOL_BINARY = '/opt/p/promtool';
    await expect(ensurePrometheus(() => undefined)).resolves.toEqual({
      prometheus: '/opt/p/prometheus',
      promtool: '/opt/p/promtool',
    });
  });

  it('says which Prometheus it cannot build without Go', async () => {
    await expect(ensurePrometheus(() => undefined)).rejects.toThrow(
      /prometheus \(github\.com\/prometheus\/prometheus v0\.316\.0\) is not in .*Go was not found on PATH/,
    );
  });

  it('uses a cached Traefik and says which one it cannot build without Go', async () => {
    const version = componentVersion('traefik', traefikComponent.module);
    await expect(ensureTraefik(() => undefined)).rejects.toThrow(
      `traefik (github.com/traefik/traefik/v3 ${version}) is not in`,
    );
    await fakeBinaries(`traefik-${version}`, ['traefik']);
    await expect(ensureTraefik(() => undefined)).resolves.toEqual({
      traefik: join(scratch, 'cache', `traefik-${version}`, 'traefik'),
      version,
    });
  });
});
