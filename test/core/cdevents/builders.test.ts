// Field rules of the built events: subjects, artifacts, customData, links, CloudEvent attributes.
import { describe, expect, it } from 'vitest';
import {
  CDEventInputError,
  InvalidImageReferenceError,
  OUTCOME_OF_VERDICT,
  serviceDeployed,
  serviceRemoved,
  serviceRolledBack,
  serviceUpgraded,
  testSuiteRunFinished,
  toCloudEventAttributes,
  toCloudEventData,
  type AnalysisVerdict,
  type CDEvent,
  type RolloutEventInput,
} from '../../../functions/core/cdevents/index.ts';
import { DIGEST, UID, anInput, everyEvent } from './fixtures.ts';

const CANARY_PURL = `pkg:oci/checkout@${DIGEST.replace(':', '%3A')}?repository_url=ghcr.io/acme/checkout&tag=v2.1.0`;
const STABLE_PURL = 'pkg:oci/checkout?repository_url=ghcr.io/acme/checkout&tag=v2.0.3';
const events = new Map(everyEvent());

function event(name: string): CDEvent {
  const found = events.get(name);
  if (found === undefined) throw new Error(`no sample ${name}`);
  return found;
}

function keysDeep(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    `${path}/${k}`,
    ...keysDeep(v, `${path}/${k}`),
  ]);
}

describe('subjects', () => {
  it.each([
    ['service.deployed', 'shop/checkout', CANARY_PURL],
    ['service.upgraded', 'shop/checkout', CANARY_PURL],
    ['service.rolledback', 'shop/checkout', STABLE_PURL],
    ['service.removed', 'shop/checkout', undefined],
    ['incident.detected', 'shop/checkout/6d4f8b9c7/7', CANARY_PURL],
    ['testsuiterun.started', 'shop/checkout-6d4f8b9c7-2', undefined],
    ['testsuiterun.finished', 'shop/checkout-6d4f8b9c7-2', undefined],
    ['kulta-rollout.stepstarted', 'shop/checkout', CANARY_PURL],
    ['kulta-rollout.weightchanged', 'shop/checkout', CANARY_PURL],
    ['kulta-rollout.paused', 'shop/checkout', CANARY_PURL],
    ['kulta-rollout.resumed', 'shop/checkout', CANARY_PURL],
    ['kulta-rollout.promoted', 'shop/checkout', CANARY_PURL],
    ['kulta-rollout.aborted', 'shop/checkout', CANARY_PURL],
  ])('%s: subject.id %s, artifactId %s', (name, subjectId, artifactId) => {
    const built = event(name);
    const content = built.subject.content as { artifactId?: string; environment: unknown };
    expect(built.subject.id).toBe(subjectId);
    expect(content.artifactId).toBe(artifactId);
    expect(content.environment).toEqual({ id: 'prod-eu-1/shop', source: '/kulta/prod-eu-1' });
  });

  it.each(everyEvent())('%s has no subject.type and no "url" field anywhere', (_name, built) => {
    const keys = keysDeep(built);
    expect(keys).not.toContain('/subject/type');
    expect(keys.filter((k) => k.endsWith('/url'))).toEqual([]);
  });

  it('incident.detected names the service the service events are about', () => {
    expect(event('incident.detected').subject.content).toEqual({
      description: 'success-rate 0.91 < 0.99',
      environment: { id: 'prod-eu-1/shop', source: '/kulta/prod-eu-1' },
      service: { id: 'shop/checkout' },
      artifactId: CANARY_PURL,
    });
  });

  it('leaves environment.source out when the caller has none', () => {
    const built = serviceUpgraded(anInput({ environment: { id: 'prod/shop' } }));
    expect(built.subject.content.environment).toEqual({ id: 'prod/shop' });
  });

  it.each(Object.entries(OUTCOME_OF_VERDICT) as [AnalysisVerdict, string][])(
    'verdict %s finishes the test suite run as %s',
    (verdict, outcome) => {
      const built = testSuiteRunFinished({
        ...anInput(),
        analysis: { runName: 'r', suiteName: 's' },
        verdict,
      });
      expect(built.subject.content.outcome).toBe(outcome);
      expect(built.subject.content.severity).toBe(outcome === 'failure' ? 'high' : undefined);
      expect(built.customData.details).toEqual({ analysisRunName: 'r', verdict });
    },
  );
});

describe('customData', () => {
  it('ties the event to the rollout, transition, revision and source links', () => {
    expect(event('service.rolledback').customData).toEqual({
      rollout: { namespace: 'shop', name: 'checkout', uid: UID },
      transition: 7,
      revision: { podTemplateHash: '6d4f8b9c7', image: `ghcr.io/acme/checkout:v2.1.0@${DIGEST}` },
      sourceLinks: {
        gitCommit: '9fceb02d0ae598e95dc970b74767f19372d61af8',
        gitRepository: 'https://github.com/acme/checkout',
      },
      details: {
        reason: 'AnalysisFailed',
        message: 'error rate 7%',
        rolledBackToPodTemplateHash: '58c7d9f6b',
        rolledBackToImage: 'ghcr.io/acme/checkout:v2.0.3',
      },
    });
    expect(event('service.rolledback').customDataContentType).toBe('application/json');
  });

  it('omits what is unknown: no source links, no revision for a removed rollout, no details', () => {
    const { revision, ...withoutRevision } = anInput({ sourceLinks: {} });
    expect(revision.podTemplateHash).toBe('6d4f8b9c7');
    const built = serviceRemoved(withoutRevision);
    expect(built.customData).toEqual({
      rollout: { namespace: 'shop', name: 'checkout', uid: UID },
      transition: 7,
    });
  });

  it('leaves optional details out instead of writing undefined', () => {
    const built = serviceRolledBack({
      ...anInput(),
      rolledBackTo: { podTemplateHash: 'a', image: 'nginx' },
      reason: 'AbortedByUser',
    });
    expect(Object.keys(built.customData.details ?? {})).not.toContain('message');
  });
});

describe('links', () => {
  const linked: Partial<RolloutEventInput> = {
    links: { previousEventId: 'prev-id', triggerEventId: 'trigger-id' },
  };

  it.each([
    ['service.upgraded ends the chain', serviceUpgraded, {}, [{ linkType: 'END' }]],
    ['service.deployed ends the chain', serviceDeployed, {}, [{ linkType: 'END' }]],
    [
      'trigger, path and end when known',
      serviceUpgraded,
      linked,
      [
        { linkType: 'RELATION', linkKind: 'TRIGGER', target: { contextId: 'trigger-id' } },
        { linkType: 'PATH', from: { contextId: 'prev-id' } },
        { linkType: 'END' },
      ],
    ],
  ] as const)('%s', (_name, build, overrides, links) => {
    expect(build(anInput(overrides)).context.links).toEqual(links);
  });

  it('a progress event without link ids has no links member', () => {
    expect(event('kulta-rollout.stepstarted').context).not.toHaveProperty('links');
  });
});

describe('CloudEvent form', () => {
  it.each(everyEvent())('%s: attributes are copied from the CDEvent', (_name, built) => {
    expect(toCloudEventAttributes(built)).toEqual({
      id: built.context.id,
      source: '/kulta/prod-eu-1',
      type: built.context.type,
      subject: built.subject.id,
      time: '2026-05-01T12:00:00.123Z',
      specversion: '1.0',
      datacontenttype: 'application/json',
    });
  });

  it('the data is the whole CDEvent', () => {
    const built = event('service.upgraded');
    expect(JSON.parse(toCloudEventData(built))).toEqual(built);
  });

  it('the data is the same bytes for a copy read back from status with its keys reordered', () => {
    const built = event('service.rolledback');
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (value === null || typeof value !== 'object') return value;
      const entries = Object.entries(value as Record<string, unknown>).reverse();
      return Object.fromEntries(entries.map(([k, v]) => [k, reversed(v)]));
    };
    const readBack = reversed(JSON.parse(JSON.stringify(built))) as typeof built;
    expect(JSON.stringify(readBack)).not.toBe(JSON.stringify(built));
    expect(toCloudEventData(readBack)).toBe(toCloudEventData(built));
  });
});

describe('input checks', () => {
  const rollout = anInput().rollout;
  it.each<[string, Partial<RolloutEventInput>, string]>([
    [
      'empty namespace',
      { rollout: { ...rollout, namespace: '' } },
      'rollout.namespace: must not be empty',
    ],
    ['blank uid', { rollout: { ...rollout, uid: ' ' } }, 'rollout.uid: must not be empty'],
    ['negative counter', { counter: -1 }, 'counter: must be a non-negative integer, got -1'],
    ['fractional counter', { counter: 1.5 }, 'counter: must be a non-negative integer, got 1.5'],
    ['timestamp without zone', { timestamp: '2026-05-01T12:00:00' }, 'timestamp: must be RFC 3339'],
    ['timestamp as epoch', { timestamp: '1777636800' }, 'timestamp: must be RFC 3339'],
    ['empty source', { source: '' }, 'source: must not be empty'],
    ['empty environment id', { environment: { id: '' } }, 'environment.id: must not be empty'],
    ['empty chainId', { chainId: '' }, 'chainId: must not be empty'],
  ])('refuses %s', (_name, overrides, message) => {
    expect(() => serviceUpgraded(anInput(overrides))).toThrow(CDEventInputError);
    expect(() => serviceUpgraded(anInput(overrides))).toThrow(message);
  });

  it.each([
    ['UTC with fraction', '2026-05-01T12:00:00.123456Z'],
    ['offset', '2026-05-01T14:00:00+02:00'],
  ])('accepts a %s timestamp', (_name, timestamp) => {
    expect(serviceUpgraded(anInput({ timestamp })).context.timestamp).toBe(timestamp);
  });

  it('refuses an image that is no image reference', () => {
    const input = anInput({ revision: { podTemplateHash: 'h', image: 'Not An Image' } });
    expect(() => serviceUpgraded(input)).toThrow(InvalidImageReferenceError);
  });
});
