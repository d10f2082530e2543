// The OpenAPI-to-structural-schema conversion and the source assembly behind scripts/gen-crds.ts.
import { describe, expect, it } from 'vitest';
import {
  assemble,
  overlay,
  structuralSchema,
  valueAt,
  type OpenApiDocument,
  type Schema,
} from '../../scripts/crd-schema.ts';

const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });

function doc(schemas: Record<string, Schema>): OpenApiDocument {
  return { components: { schemas } };
}

const podLike = doc({
  Pod: {
    description: 'a pod',
    type: 'object',
    required: ['containers'],
    properties: {
      metadata: { ...ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), default: {} },
      containers: {
        type: 'array',
        items: { default: {}, ...ref('Container') },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-patch-merge-key': 'name',
      },
      start: ref('io.k8s.apimachinery.pkg.apis.meta.v1.Time'),
    },
  },
  Container: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', default: '' },
      port: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString'),
      cpu: ref('io.k8s.apimachinery.pkg.api.resource.Quantity'),
      pull: { type: 'string', enum: ['Always', 'Never'] },
      ports: {
        type: 'array',
        items: ref('Port'),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      },
    },
  },
  Port: {
    type: 'object',
    required: ['containerPort'],
    properties: {
      containerPort: { type: 'integer', format: 'int32', default: 0 },
      protocol: { type: 'string', default: 'TCP' },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object', properties: {} },
});

describe('structuralSchema', () => {
  const pod = structuralSchema(podLike, 'Pod');
  const container = valueAt(pod, ['properties', 'containers', 'items']) as Schema;

  it('inlines references and drops descriptions, defaults and patch hints', () => {
    expect(pod.description).toBeUndefined();
    expect(pod.required).toEqual(['containers']);
    expect(valueAt(pod, ['properties', 'containers'])).toMatchObject({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(valueAt(pod, ['properties', 'containers', 'x-kubernetes-patch-merge-key'])).toBe(
      undefined,
    );
    expect(valueAt(container, ['properties', 'name'])).toEqual({ type: 'string' });
    expect(valueAt(container, ['properties', 'pull'])).toEqual({
      type: 'string',
      enum: ['Always', 'Never'],
    });
  });

  it('spells IntOrString, Quantity, Time and embedded ObjectMeta the way CRDs accept', () => {
    const intOrString = { 'x-kubernetes-int-or-string': true };
    expect(valueAt(container, ['properties', 'port'])).toEqual(intOrString);
    expect(valueAt(container, ['properties', 'cpu'])).toEqual(intOrString);
    expect(valueAt(pod, ['properties', 'start'])).toEqual({ type: 'string', format: 'date-time' });
    expect(Object.keys(valueAt(pod, ['properties', 'metadata', 'properties']) as Schema)).toEqual([
      'labels',
      'annotations',
    ]);
  });

  it('keeps the default of a list-map key that is not required, and only that one', () => {
    const port = valueAt(container, ['properties', 'ports', 'items', 'properties']) as Schema;
    expect(port.protocol).toEqual({ type: 'string', default: 'TCP' });
    expect(port.containerPort).toEqual({ type: 'integer', format: 'int32' });
  });

  it.each<[string, Record<string, Schema>, RegExp]>([
    ['a recursive schema', { A: { type: 'object', properties: { a: ref('A') } } }, /recursive/],
    ['a missing schema', { A: { type: 'object', properties: { b: ref('B') } } }, /B is not in/],
    ['an unknown keyword', { A: { type: 'object', oneOf: [] } }, /unsupported keyword oneOf/],
    ['an untyped node', { A: { properties: {} } }, /has no type/],
    [
      'a list-map key neither required nor defaulted',
      {
        A: {
          type: 'array',
          items: { type: 'object', properties: { k: { type: 'string' } } },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['k'],
        },
      },
      /neither required nor defaulted/,
    ],
  ])('refuses %s', (_name, schemas, message) => {
    expect(() => structuralSchema(doc(schemas), 'A')).toThrow(message);
  });
});

describe('assemble', () => {
  const resolvers = {
    openapi: (name: string, path: readonly string[]) => ({
      type: 'object',
      properties: { from: { type: 'string', enum: [name, path.join('.')] } },
    }),
    include: () => ({ description: 'included', 'x-kulta-openapi': 'Nested' }),
  };

  it('fills placeholders and lays the keys written beside them over the result', () => {
    const source = {
      spec: {
        properties: {
          template: {
            'x-kulta-openapi': 'Pod',
            properties: { from: { maxLength: 5 } },
            'x-kubernetes-validations': [{ rule: 'true', message: 'm' }],
          },
          name: { 'x-kulta-include': 'name.yaml', maxLength: 3 },
        },
      },
    };
    expect(assemble(source, resolvers)).toEqual({
      spec: {
        properties: {
          template: {
            type: 'object',
            properties: {
              from: { type: 'string', enum: ['Pod', 'spec.properties.template'], maxLength: 5 },
            },
            'x-kubernetes-validations': [{ rule: 'true', message: 'm' }],
          },
          name: {
            type: 'object',
            properties: { from: { type: 'string', enum: ['Nested', 'spec.properties.name'] } },
            description: 'included',
            maxLength: 3,
          },
        },
      },
    });
  });

  it('overlays objects key by key and replaces everything else', () => {
    expect(overlay({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, e: 2 })).toEqual({
      a: { b: 1, c: [2] },
      d: 1,
      e: 2,
    });
  });
});
