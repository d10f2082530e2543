// Container image reference → the one canonical OCI Package URL KULTA uses as CDEvents artifactId.
//
// Canonical form (DESIGN.md §6, purl-spec `oci` type):
//   pkg:oci/<name>@<algorithm>%3A<hex>?repository_url=<registry>/<path>/<name>&tag=<tag>
// - name: last path component of the repository (lowercase, as OCI requires).
// - version: the digest with ':' percent-encoded (%3A); absent for tag-only images.
// - qualifiers in key order (repository_url, tag); their values keep '/' and ':' literal, as in
//   the purl-spec oci examples (`repository_url=docker.io/library/debian`); anything outside
//   [A-Za-z0-9._~:/-] is percent-encoded (only IPv6 brackets can occur in a valid reference).
// - repository_url is always present (the oci type has no default registry), registry lowercased.
// Normalisation follows Docker's reference parser: a first component without '.' or ':' that is not
// "localhost" (and has no upper case) is a Docker Hub path, so the registry becomes docker.io and a
// single-component Hub path gets "library/" (nginx → docker.io/library/nginx); index.docker.io is
// docker.io. An image with neither tag nor digest gets tag "latest" (what the kubelet pulls); an
// image with only a digest gets no tag qualifier. Digest hex is lowercased.
// packageurl-js is not used: it leaves ':' in the version unencoded and encodes '/' and ':' in
// qualifier values, which is a different (valid but not our canonical) spelling.

/** An image reference after Docker-style normalisation. */
export interface ImageReference {
  /** Registry host[:port], lowercased, e.g. "docker.io", "registry.example.com:5000". */
  readonly registry: string;
  /** Repository path inside the registry, e.g. "library/nginx", "team/app". */
  readonly path: string;
  /** Last path component, the purl name. */
  readonly name: string;
  readonly tag?: string;
  /** "<algorithm>:<hex>", hex lowercased. */
  readonly digest?: string;
}

/** The image string cannot be a container image reference. */
export class InvalidImageReferenceError extends Error {
  override readonly name = 'InvalidImageReferenceError';
  readonly image: string;
  constructor(image: string, reason: string) {
    super(`invalid image reference "${image}": ${reason}`);
    this.image = image;
  }
}

const DOCKER_HUB = 'docker.io';
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})$/;
const HOST_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);

function splitDigest(image: string, rest: string): { rest: string; digest?: string } {
  const at = rest.indexOf('@');
  if (at < 0) return { rest };
  const match = DIGEST.exec(rest.slice(at + 1));
  if (match === null) throw new InvalidImageReferenceError(image, 'malformed digest');
  return { rest: rest.slice(0, at), digest: `${match[1] ?? ''}:${(match[2] ?? '').toLowerCase()}` };
}

function splitTag(image: string, rest: string): { rest: string; tag?: string } {
  const colon = rest.lastIndexOf(':');
  if (colon < 0 || colon < rest.lastIndexOf('/')) return { rest };
  const tag = rest.slice(colon + 1);
  if (!TAG.test(tag)) throw new InvalidImageReferenceError(image, `malformed tag "${tag}"`);
  return { rest: rest.slice(0, colon), tag };
}

function splitRegistry(rest: string): { registry: string; path: string } {
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const isHub =
    slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first);
  if (!isHub) return { registry: first.toLowerCase(), path: rest.slice(slash + 1) };
  return { registry: DOCKER_HUB, path: rest };
}

function normaliseHub(registry: string, path: string): { registry: string; path: string } {
  const hub = registry === 'index.docker.io' ? DOCKER_HUB : registry;
  if (hub === DOCKER_HUB && !path.includes('/')) return { registry: hub, path: `library/${path}` };
  return { registry: hub, path };
}

function checkRepository(image: string, registry: string, path: string): string {
  if (!DOMAIN.test(registry)) {
    throw new InvalidImageReferenceError(image, `malformed registry "${registry}"`);
  }
  const components = path.split('/');
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      throw new InvalidImageReferenceError(
        image,
        `repository path component "${component}" must be lowercase letters, digits and separators`,
      );
    }
  }
  return components[components.length - 1] ?? path;
}

/** Parses and normalises a container image reference the way Docker and the kubelet read it. */
export function parseImageReference(image: string): ImageReference {
  if (image.trim() !== image || image === '') {
    throw new InvalidImageReferenceError(image, 'empty or surrounded by whitespace');
  }
  const withDigest = splitDigest(image, image);
  const withTag = splitTag(image, withDigest.rest);
  const split = splitRegistry(withTag.rest);
  const { registry, path } = normaliseHub(split.registry, split.path);
  const name = checkRepository(image, registry, path);
  const tag = withTag.tag ?? (withDigest.digest === undefined ? 'latest' : undefined);
  return {
    registry,
    path,
    name,
    ...(tag === undefined ? {} : { tag }),
    ...(withDigest.digest === undefined ? {} : { digest: withDigest.digest }),
  };
}

function encodeQualifierValue(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/** The canonical purl of a normalised image reference. */
export function imageReferencePurl(ref: ImageReference): string {
  const version = ref.digest === undefined ? '' : `@${encodeURIComponent(ref.digest)}`;
  const qualifiers = [`repository_url=${encodeQualifierValue(`${ref.registry}/${ref.path}`)}`];
  if (ref.tag !== undefined) qualifiers.push(`tag=${encodeQualifierValue(ref.tag)}`);
  return `pkg:oci/${encodeURIComponent(ref.name)}${version}?${qualifiers.join('&')}`;
}

/** Container image reference → canonical purl; throws InvalidImageReferenceError if malformed. */
export function imagePurl(image: string): string {
  return imageReferencePurl(parseImageReference(image));
}
