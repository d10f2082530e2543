// Every CRD in crds/ without a cluster: parses, is structural (every node typed, no $ref or
// combinators the apiserver refuses), stays far below etcd's object limit, says why it refuses
// things, and is what crds/src says it should be (run `node scripts/gen-crds.ts` if not).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { assemble, valueAt, type Schema } from '../../scripts/crd-schema.ts';

const crdsDir = join(import.meta.dirname, '..', '..', 'crds');
const srcDir = join(crdsDir, 'src');
const files = readdirSync(crdsDir).filter((f) => f.endsWith('.yaml'));

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    names: { plural: string; kind: string };
    versions: { name: string; storage: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
}

function load(file: string): Crd {
  const docs = parseAllDocuments(readFileSync(join(crdsDir, file), 'utf8'));
  expect(docs).toHaveLength(1);
  expect(docs[0]?.errors).toEqual([]);
  return docs[0]?.toJS() as Crd;
}

/** OpenAPI keywords a structural schema may use (anything else is a typo or a YAML accident). */
const keywords = new Set([
  'type',
  'format',
  'description',
  'properties',
  'items',
  'additionalProperties',
  'required',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'anyOf',
  'title',
  'example',
]);

const forbidden = ['$ref', 'allOf', 'oneOf', 'not', 'x-kulta-openapi', 'x-kulta-include'];

/** The schemas directly under `node`, with the path suffix of each. */
function children(node: Schema): [string, Schema][] {
  const props = Object.entries((node.properties ?? {}) as Record<string, Schema>);
  const out = props.map(([k, v]): [string, Schema] => [`.${k}`, v]);
  if (typeof node.items === 'object') out.push(['[]', node.items as Schema]);
  if (typeof node.additionalProperties === 'object') {
    out.push(['{}', node.additionalProperties as Schema]);
  }
  return out;
}

/** Structural-schema faults under `node`, as "path: problem" lines. */
function faults(node: Schema | null, path: string): string[] {
  // A flow mapping with a comma in an unquoted description turns its tail into a null "property".
  if (typeof node !== 'object' || node === null) return [`${path}: is not a schema`];
  const found = forbidden.filter((key) => key in node).map((key) => `${path}: has ${key}`);
  const unknown = Object.keys(node).filter(
    (key) => !keywords.has(key) && !key.startsWith('x-kubernetes-') && !forbidden.includes(key),
  );
  found.push(...unknown.map((key) => `${path}: unknown keyword "${key}"`));
  const typed =
    typeof node.type === 'string' ||
    node['x-kubernetes-int-or-string'] === true ||
    node['x-kubernetes-preserve-unknown-fields'] === true;
  if (!typed) found.push(`${path}: has no type`);
  const rules = (node['x-kubernetes-validations'] ?? []) as Schema[];
  if (rules.some((r) => !r.message && !r.messageExpression)) found.push(`${path}: silent rule`);
  for (const [suffix, child] of children(node)) found.push(...faults(child, path + suffix));
  return found;
}

describe('the CRDs in crds/', () => {
  it('include the Rollout and the analysis kinds', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'rollouts.kulta.io.yaml',
        'analysistemplates.kulta.io.yaml',
        'clusteranalysistemplates.kulta.io.yaml',
        'analysisruns.kulta.io.yaml',
      ]),
    );
  });

  it.each(files)('%s is a kulta.io CRD named after its file', (file) => {
    const crd = load(file);
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.spec.group).toBe('kulta.io');
    expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.kulta.io`);
    expect(file).toBe(`${crd.metadata.name}.yaml`);
    expect(crd.spec.versions.map((v) => [v.name, v.storage])).toEqual([['v1alpha1', true]]);
  });

  it.each(files)('%s has a structural schema whose every rule explains itself', (file) => {
    const schema = load(file).spec.versions[0]?.schema.openAPIV3Schema ?? {};
    expect(schema.type).toBe('object');
    expect(faults(schema, '')).toEqual([]);
  });

  it.each(files)('%s stays far below the 1.5 MB etcd object limit', (file) => {
    const bytes = Buffer.byteLength(JSON.stringify(load(file)));
    expect(bytes).toBeLessThan(512 * 1024);
  });

  it.each(files)('%s is up to date with crds/src (else run node scripts/gen-crds.ts)', (file) => {
    const committed = load(file);
    const source: unknown = parse(readFileSync(join(srcDir, file), 'utf8'));
    const rebuilt = assemble(source, {
      // Generated subtrees come from the API; the rest must be exactly what the source says.
      openapi: (_name, path) => valueAt(committed, path) as Schema,
      include: (name) => parse(readFileSync(join(srcDir, 'fragments', name), 'utf8')) as unknown,
    });
    expect(rebuilt).toEqual(committed);
  });
});
