// Pure half of the CRD generator: turns Kubernetes' published OpenAPI v3 schemas into
// structural CRD schemas, and assembles CRDs from their hand-written sources in crds/src by
// filling the placeholders (`x-kulta-openapi: <schema name>`, `x-kulta-include: <file>`).
export type Schema = Record<string, unknown>;

/** The part of an apiserver `/openapi/v3/...` document the generator reads. */
export interface OpenApiDocument {
  readonly components?: { readonly schemas?: Readonly<Record<string, Schema>> };
}

const refPrefix = '#/components/schemas/';

/** Keywords copied as they are: CRDs accept them and they carry the API's rules. */
const copied = new Set([
  'type',
  'enum',
  'required',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'pattern',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
]);

/**
 * Keywords left out: prose (size), defaults (a Rollout stores what its author wrote, so GitOps
 * tools see no drift; the apiserver defaults the ReplicaSets made from it), and the
 * strategic-merge-patch and union hints CRDs do not accept.
 */
const dropped = new Set([
  'description',
  'default',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-unions',
]);

/** The formats CRDs validate that the core API uses; `int-or-string` becomes the extension. */
const formats = new Set(['int32', 'int64', 'float', 'double', 'byte', 'date-time']);

const stringMap = (): Schema => ({ type: 'object', additionalProperties: { type: 'string' } });

/** Types CRDs spell differently from the core API's OpenAPI, by schema name. */
const special: Readonly<Record<string, () => Schema>> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': () => ({
    'x-kubernetes-int-or-string': true,
  }),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': () => ({ 'x-kubernetes-int-or-string': true }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': () => ({ type: 'string', format: 'date-time' }),
  // Embedded object metadata (pod templates, volume claim templates) carries only these two.
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': () => ({
    type: 'object',
    properties: { labels: stringMap(), annotations: stringMap() },
  }),
};

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema a node points at, through `$ref` or the `allOf: [{$ref}]` wrapper v3 uses. */
function refName(node: Schema): string | undefined {
  if (typeof node.$ref === 'string') return node.$ref.replace(refPrefix, '');
  const allOf: unknown = node.allOf;
  if (allOf === undefined) return undefined;
  const only: unknown = Array.isArray(allOf) && allOf.length === 1 ? allOf[0] : undefined;
  if (!isSchema(only)) throw new Error(`unsupported allOf: ${JSON.stringify(allOf)}`);
  return refName(only);
}

class Converter {
  readonly schemas: Readonly<Record<string, Schema>>;

  constructor(schemas: Readonly<Record<string, Schema>>) {
    this.schemas = schemas;
  }

  raw(name: string): Schema {
    const schema = this.schemas[name];
    if (!schema) throw new Error(`schema ${name} is not in the OpenAPI document`);
    return schema;
  }

  named(name: string, stack: readonly string[]): Schema {
    const make = special[name];
    if (make) return make();
    if (stack.includes(name)) {
      throw new Error(`recursive schema cannot be inlined: ${[...stack, name].join(' → ')}`);
    }
    return this.node(this.raw(name), [...stack, name]);
  }

  node(node: Schema, stack: readonly string[]): Schema {
    const ref = refName(node);
    if (ref !== undefined) return this.named(ref, stack);
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) this.keyword(out, key, value, stack);
    if (out.type === undefined) {
      throw new Error(
        `a schema in ${stack.at(-1) ?? 'the root'} has no type: ${JSON.stringify(node)}`,
      );
    }
    if (Array.isArray(out['x-kubernetes-list-map-keys'])) this.keepKeyDefaults(node, out);
    return out;
  }

  /** Copies, converts or drops one keyword of `node` into `out`. */
  keyword(out: Schema, key: string, value: unknown, stack: readonly string[]): void {
    if (dropped.has(key)) return;
    if (copied.has(key)) out[key] = value;
    else if (key === 'format') {
      if (typeof value === 'string' && formats.has(value)) out.format = value;
    } else if (key === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.node(asSchema(v, k), stack)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = this.node(value, stack);
    } else {
      throw new Error(`unsupported keyword ${key} in ${stack.at(-1) ?? 'the root schema'}`);
    }
  }

  /**
   * CRDs insist that every key of a map-type list is required or defaulted. The core API's
   * own defaults are kept for exactly those keys (a container port's protocol is TCP).
   */
  keepKeyDefaults(node: Schema, out: Schema): void {
    const items = asSchema(node.items, 'items');
    const ref = refName(items);
    const rawItem = ref === undefined ? items : this.raw(ref);
    const outItem = asSchema(out.items, 'items');
    const required = (outItem.required ?? []) as readonly string[];
    for (const key of out['x-kubernetes-list-map-keys'] as readonly string[]) {
      if (required.includes(key)) continue;
      const rawProp = asSchema(asSchema(rawItem.properties, 'properties')[key], key);
      if (rawProp.default === undefined) {
        throw new Error(`list map key ${key} is neither required nor defaulted`);
      }
      asSchema(asSchema(outItem.properties, 'properties')[key], key).default = rawProp.default;
    }
  }
}

function asSchema(value: unknown, what: string): Schema {
  if (!isSchema(value)) throw new Error(`${what} is not a schema object`);
  return value;
}

/** A structural, description-free CRD schema for the named schema of an OpenAPI v3 document. */
export function structuralSchema(doc: OpenApiDocument, name: string): Schema {
  return new Converter(doc.components?.schemas ?? {}).named(name, []);
}

/** How placeholders are filled; `path` is where in the CRD the placeholder sits. */
export interface Resolvers {
  readonly openapi: (name: string, path: readonly string[]) => Schema;
  readonly include: (file: string, path: readonly string[]) => unknown;
}

export const openapiKey = 'x-kulta-openapi';
export const includeKey = 'x-kulta-include';

/** `over` laid onto `base`: objects merge key by key, anything else replaces. */
export function overlay(base: unknown, over: unknown): unknown {
  if (!isSchema(base) || !isSchema(over)) return over;
  const out: Schema = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = overlay(base[key], value);
  return out;
}

/**
 * Returns `source` with every placeholder replaced by what its resolver gives. Keys written
 * beside a placeholder (validation rules, bounds, even deep inside) are laid over the result.
 */
export function assemble(source: unknown, resolvers: Resolvers, path: string[] = []): unknown {
  if (Array.isArray(source)) {
    return source.map((item, i) => assemble(item, resolvers, [...path, String(i)]));
  }
  if (!isSchema(source)) return source;
  const { [openapiKey]: openapi, [includeKey]: include, ...rest } = source;
  let base: Schema = {};
  if (typeof openapi === 'string') base = resolvers.openapi(openapi, path);
  if (typeof include === 'string') {
    base = asSchema(assemble(resolvers.include(include, path), resolvers, path), include);
  }
  const own: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    own[key] = assemble(value, resolvers, [...path, key]);
  }
  return overlay(base, own);
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let here: unknown = root;
  for (const key of path) {
    if (Array.isArray(here)) here = here[Number(key)];
    else if (isSchema(here)) here = here[key];
    else return undefined;
  }
  return here;
}
