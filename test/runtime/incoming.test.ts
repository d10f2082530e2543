// parseIncoming: ApiServerSource resource events, the tick's due events and PingSource pings,
// and the messages that say why anything else is refused.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../functions/runtime/errors.ts';
import {
  apiServerTypes,
  dueType,
  parseIncoming,
  pingType,
} from '../../functions/runtime/incoming.ts';

const rollout = {
  apiVersion: 'kulta.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop', uid: 'uid-1' },
  spec: { replicas: 2 },
};

function headers(type: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': 'ev-1',
    'ce-source': 'https://127.0.0.1:6443',
    'ce-type': type,
    ...extra,
  };
}

const extensions = {
  'ce-subject': '/apis/kulta.io/v1alpha1/namespaces/shop/rollouts/web',
  'ce-kind': 'Rollout',
  'ce-apiversion': 'kulta.io/v1alpha1',
  'ce-name': 'web',
  'ce-namespace': 'shop',
};

describe('ApiServerSource resource events', () => {
  it.each([
    { action: 'add', type: apiServerTypes.add },
    { action: 'update', type: apiServerTypes.update },
    { action: 'delete', type: apiServerTypes.delete },
  ] as const)('$action: extensions name the object, data is the object', ({ action, type }) => {
    expect(parseIncoming(headers(type, extensions), JSON.stringify(rollout))).toEqual({
      kind: 'resource',
      action,
      id: 'ev-1',
      objectKind: 'Rollout',
      namespace: 'shop',
      name: 'web',
      object: rollout,
      time: expect.any(String) as string,
    });
  });

  it('prefers the extensions over the object', () => {
    const event = parseIncoming(
      headers(apiServerTypes.update, { ...extensions, 'ce-name': 'other' }),
      JSON.stringify(rollout),
    );
    expect(event).toMatchObject({ name: 'other', namespace: 'shop' });
  });

  it('falls back to the object kind and metadata when extensions are missing', () => {
    const rs = {
      kind: 'ReplicaSet',
      metadata: { name: 'web-abc', namespace: 'shop' },
    };
    expect(parseIncoming(headers(apiServerTypes.add), JSON.stringify(rs))).toEqual({
      kind: 'resource',
      action: 'add',
      id: 'ev-1',
      objectKind: 'ReplicaSet',
      namespace: 'shop',
      name: 'web-abc',
      object: rs,
      time: expect.any(String) as string,
    });
  });

  it.each([
    {
      name: 'no kind anywhere',
      body: { metadata: { name: 'web', namespace: 'shop' } },
      says: 'CloudEvent ev-1 (dev.knative.apiserver.resource.add) has no extension "kind"',
    },
    {
      name: 'no namespace anywhere',
      body: { kind: 'Rollout', metadata: { name: 'web' } },
      says: 'has no extension "namespace"',
    },
    {
      name: 'no name anywhere',
      body: { kind: 'Rollout', metadata: { namespace: 'shop' } },
      says: 'has no extension "name"',
    },
    {
      name: 'data that is not an object',
      body: ['web'],
      says: 'CloudEvent ev-1 (dev.knative.apiserver.resource.add) needs a JSON object as data',
    },
  ])('refuses $name', ({ body, says }) => {
    expect(() => parseIncoming(headers(apiServerTypes.add), JSON.stringify(body))).toThrow(
      new InvalidInputError(says).message,
    );
  });
});

describe('due events', () => {
  it('names the rollout in data', () => {
    expect(
      parseIncoming(headers(dueType), JSON.stringify({ namespace: 'shop', name: 'web' })),
    ).toEqual({ kind: 'due', id: 'ev-1', namespace: 'shop', name: 'web' });
  });

  it.each([
    { name: 'no namespace', data: { name: 'web' }, says: 'has no data.namespace' },
    { name: 'an empty name', data: { namespace: 'shop', name: '' }, says: 'has no data.name' },
    { name: 'a number as name', data: { namespace: 'shop', name: 7 }, says: 'has no data.name' },
  ])('refuses $name', ({ data, says }) => {
    expect(() => parseIncoming(headers(dueType), JSON.stringify(data))).toThrow(says);
  });
});

describe('PingSource pings', () => {
  it.each<{ name: string; extra: Record<string, string>; body: string; data: object }>([
    { name: 'without data', extra: {}, body: '', data: {} },
    {
      name: 'without data nor content type',
      extra: { 'content-type': '' },
      body: '',
      data: {},
    },
    { name: 'with data', extra: {}, body: '{"resync":true}', data: { resync: true } },
    {
      name: 'with JSON data sent as text',
      extra: { 'content-type': 'text/plain' },
      body: '{"resync":true}',
      data: { resync: true },
    },
  ])('$name', ({ extra, body, data }) => {
    expect(parseIncoming(headers(pingType, extra), body)).toEqual({
      kind: 'ping',
      id: 'ev-1',
      data,
    });
  });

  it.each([
    { name: 'an array', body: '[1]', says: 'needs a JSON object as data' },
    { name: 'a string', body: '"hello"', says: 'needs a JSON object as data' },
  ])('refuses $name as data', ({ body, says }) => {
    expect(() => parseIncoming(headers(pingType), body)).toThrow(says);
  });
});

describe('what is not a CloudEvent KULTA takes', () => {
  it.each([
    {
      name: 'an unknown type, listing the expected ones',
      headers: headers('com.example.other'),
      body: '{}',
      says: `CloudEvent type "com.example.other" is not handled here; expected ${apiServerTypes.add}, ${apiServerTypes.update}, ${apiServerTypes.delete}, ${dueType} or ${pingType}`,
    },
    {
      name: 'no CloudEvent headers at all',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      says: 'not a valid CloudEvent: missing header ce-specversion, header ce-id, header ce-source, header ce-type',
    },
    {
      name: 'header names in any case',
      headers: { 'Content-Type': 'application/json', 'CE-SpecVersion': '1.0', 'Ce-Id': 'x' },
      body: '{}',
      says: 'not a valid CloudEvent: missing header ce-source, header ce-type',
    },
    {
      name: 'JSON data that does not parse, sent as text',
      headers: headers(dueType, { 'content-type': 'text/plain' }),
      body: '{"namespace":',
      says: 'data of CloudEvent ev-1 (dev.kulta.rollout.due) is not valid JSON',
    },
    {
      name: 'a structured event without type',
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      body: JSON.stringify({ specversion: '1.0', id: 'x', source: '/s' }),
      says: 'not a valid CloudEvent: missing attribute "type"',
    },
  ])('refuses $name', ({ headers: h, body, says }) => {
    let thrown: unknown;
    try {
      parseIncoming(h, body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as Error).message).toContain(says);
  });
});
