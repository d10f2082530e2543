// The image → purl canonicaliser: one spelling per image, Docker's normalisation, clear refusals.
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import {
  InvalidImageReferenceError,
  imagePurl,
  parseImageReference,
} from '../../../functions/core/cdevents/index.ts';

const HEX = '0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';

describe('imagePurl', () => {
  it.each([
    [
      'digest + tag',
      `ghcr.io/acme/checkout:v2.1.0@sha256:${HEX}`,
      `pkg:oci/checkout@sha256%3A${HEX}?repository_url=ghcr.io/acme/checkout&tag=v2.1.0`,
    ],
    [
      'tag only',
      'ghcr.io/acme/checkout:v2.1.0',
      'pkg:oci/checkout?repository_url=ghcr.io/acme/checkout&tag=v2.1.0',
    ],
    [
      'digest only',
      `ghcr.io/acme/checkout@sha256:${HEX}`,
      `pkg:oci/checkout@sha256%3A${HEX}?repository_url=ghcr.io/acme/checkout`,
    ],
    [
      'neither tag nor digest → latest',
      'ghcr.io/acme/checkout',
      'pkg:oci/checkout?repository_url=ghcr.io/acme/checkout&tag=latest',
    ],
    [
      'no registry, official image',
      'nginx:1.27',
      'pkg:oci/nginx?repository_url=docker.io/library/nginx&tag=1.27',
    ],
    [
      'no registry, no tag',
      'nginx',
      'pkg:oci/nginx?repository_url=docker.io/library/nginx&tag=latest',
    ],
    [
      'no registry, user repo',
      'bitnami/redis:7.2',
      'pkg:oci/redis?repository_url=docker.io/bitnami/redis&tag=7.2',
    ],
    [
      'docker.io spelled out',
      'docker.io/nginx:1.27',
      'pkg:oci/nginx?repository_url=docker.io/library/nginx&tag=1.27',
    ],
    [
      'legacy index.docker.io',
      'index.docker.io/library/nginx:1.27',
      'pkg:oci/nginx?repository_url=docker.io/library/nginx&tag=1.27',
    ],
    [
      'registry with port',
      'registry.example.com:5000/team/app:v1',
      'pkg:oci/app?repository_url=registry.example.com:5000/team/app&tag=v1',
    ],
    [
      'localhost with port, no tag',
      'localhost:5000/app',
      'pkg:oci/app?repository_url=localhost:5000/app&tag=latest',
    ],
    [
      'localhost without port',
      'localhost/app:dev',
      'pkg:oci/app?repository_url=localhost/app&tag=dev',
    ],
    [
      'nested paths',
      `europe-docker.pkg.dev/proj/repo/team/svc/api:2026.05.01-rc_1@sha256:${HEX}`,
      `pkg:oci/api@sha256%3A${HEX}?repository_url=europe-docker.pkg.dev/proj/repo/team/svc/api&tag=2026.05.01-rc_1`,
    ],
    [
      'registry host case folded',
      'Registry.Example.COM/team/app:v1',
      'pkg:oci/app?repository_url=registry.example.com/team/app&tag=v1',
    ],
    [
      'digest hex case folded',
      `ghcr.io/acme/app@sha256:${HEX.toUpperCase()}`,
      `pkg:oci/app@sha256%3A${HEX}?repository_url=ghcr.io/acme/app`,
    ],
    ['IPv6 registry', '[::1]:5000/app:v1', 'pkg:oci/app?repository_url=%5B::1%5D:5000/app&tag=v1'],
    [
      'separators in names',
      'ghcr.io/my-org/my__app.v2:latest',
      'pkg:oci/my__app.v2?repository_url=ghcr.io/my-org/my__app.v2&tag=latest',
    ],
  ])('%s: %s', (_name, image, purl) => {
    expect(imagePurl(image)).toBe(purl);
  });

  it.each([
    [
      'one image, four spellings',
      ['nginx', 'nginx:latest', 'docker.io/library/nginx', 'index.docker.io/library/nginx:latest'],
    ],
  ])('%s give one purl', (_name, spellings) => {
    expect(new Set(spellings.map(imagePurl)).size).toBe(1);
  });

  it.each<[string, string, { version?: string; qualifiers: Record<string, string> }]>([
    [
      'digest + tag',
      `ghcr.io/acme/checkout:v2.1.0@sha256:${HEX}`,
      {
        version: `sha256:${HEX}`,
        qualifiers: { repository_url: 'ghcr.io/acme/checkout', tag: 'v2.1.0' },
      },
    ],
    [
      'tag only',
      'localhost:5000/app:v1',
      { qualifiers: { repository_url: 'localhost:5000/app', tag: 'v1' } },
    ],
    [
      'digest only',
      `nginx@sha256:${HEX}`,
      { version: `sha256:${HEX}`, qualifiers: { repository_url: 'docker.io/library/nginx' } },
    ],
  ])('%s reads back with packageurl-js as the same components', (_name, image, expected) => {
    const parsed = PackageURL.fromString(imagePurl(image));
    expect(parsed.type).toBe('oci');
    expect(parsed.namespace ?? undefined).toBeUndefined();
    expect(parsed.version ?? undefined).toBe(expected.version);
    expect(parsed.qualifiers).toEqual(expected.qualifiers);
  });
});

describe('parseImageReference', () => {
  it('splits a full reference into its normalised parts', () => {
    expect(parseImageReference(`Quay.io:443/org/team/app:v1@sha256:${HEX}`)).toEqual({
      registry: 'quay.io:443',
      path: 'org/team/app',
      name: 'app',
      tag: 'v1',
      digest: `sha256:${HEX}`,
    });
  });

  it.each([
    ['empty', '', 'empty'],
    ['surrounding whitespace', ' nginx ', 'whitespace'],
    ['upper-case repository', 'Nginx', 'must be lowercase'],
    ['upper-case Hub path', 'acme/Checkout:v1', 'must be lowercase'],
    ['empty path component', 'ghcr.io/acme//app', 'repository path component ""'],
    ['tag too long', `app:${'a'.repeat(129)}`, 'malformed tag'],
    ['tag with a bad character', 'app:v1+build', 'malformed tag'],
    ['digest without algorithm', `app@${HEX}`, 'malformed digest'],
    ['digest too short', 'app@sha256:abc', 'malformed digest'],
    ['bad registry', 'my_registry.com:5000/app', 'malformed registry'],
  ])('refuses %s', (_name, image, reason) => {
    expect(() => imagePurl(image)).toThrow(InvalidImageReferenceError);
    expect(() => imagePurl(image)).toThrow(reason);
    expect(() => imagePurl(image)).toThrow(`invalid image reference "${image}"`);
  });
});
