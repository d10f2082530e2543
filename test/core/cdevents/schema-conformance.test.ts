// Every CDEvent KULTA emits validates against the official v0.5.1 schemas; broken ones do not.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CDEVENT_TYPES, type CDEvent } from '../../../functions/core/cdevents/index.ts';
import {
  cdeventsSchemaDir,
  loadCDEventsSchemas,
  type CDEventsSchemas,
} from '../../support/cdevents-schemas.ts';
import { anInput, everyEvent } from './fixtures.ts';

let schemas: CDEventsSchemas;
beforeAll(() => {
  schemas = loadCDEventsSchemas();
});

const variants = {
  'full input': anInput(),
  'minimal input': anInput({ environment: { id: 'prod/shop' }, sourceLinks: {} }),
  'with links': anInput({
    links: {
      previousEventId: '0d9ab5c6-4f0e-5d1c-9a3b-2c1d0e9f8a7b',
      triggerEventId: 'artifact-published-42',
    },
  }),
  'tag-only image, counter 0': anInput({
    counter: 0,
    revision: { podTemplateHash: 'abc123', image: 'nginx' },
  }),
};

const rows = Object.entries(variants).flatMap(([variant, input]) =>
  everyEvent(input).map(([name, event]) => [`${variant}: ${name}`, event] as const),
);

const REMOVE = Symbol('remove');

/** A deep copy of `event` with the member at `path` set to `value` (or removed). */
function edited(event: CDEvent, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(event) as unknown as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1] ?? '';
  if (value === REMOVE) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return copy;
}

const byName = new Map(everyEvent());
function sample(name: string): CDEvent {
  const event = byName.get(name);
  if (event === undefined) throw new Error(`no sample ${name}`);
  return event;
}

describe('official CDEvents v0.5.1 schemas', () => {
  it.each(rows)('%s is valid', (_name, event) => {
    expect(schemas.validate(event)).toEqual({ valid: true, errors: [] });
  });

  it('has a schema for every standard type KULTA emits, and a sample covers every type', () => {
    const standard = Object.values(CDEVENT_TYPES).filter((t) => t.startsWith('dev.cdevents.'));
    expect(schemas.types).toEqual(expect.arrayContaining(standard));
    const sampled = everyEvent().map(([, e]) => e.context.type);
    expect(new Set(sampled)).toEqual(new Set(Object.values(CDEVENT_TYPES)));
  });

  it('names custom types so the custom schema pattern accepts them', () => {
    const custom = Object.values(CDEVENT_TYPES).filter((t) => t.startsWith('dev.cdeventsx.'));
    expect(custom).toHaveLength(6);
    for (const type of custom)
      expect(type).toMatch(/^dev\.cdeventsx\.kulta-rollout\.[a-z]+\.0\.1\.0$/);
  });
});

describe('the schema check bites', () => {
  // [name, sample, [path to edit, new value or REMOVE], expected error]
  const cases: [string, string, [string, unknown], string][] = [
    [
      'environment missing',
      'service.deployed',
      ['subject.content.environment', REMOVE],
      "/subject/content must have required property 'environment'",
    ],
    [
      'subject.type present (removed in 0.5)',
      'service.upgraded',
      ['subject.type', 'service'],
      '/subject must NOT have additional properties',
    ],
    [
      'artifactId missing',
      'service.rolledback',
      ['subject.content.artifactId', REMOVE],
      "/subject/content must have required property 'artifactId'",
    ],
    [
      'url instead of uri',
      'testsuiterun.started',
      ['subject.content.testSuite.url', 'https://ci.example.com/suites/1'],
      '/subject/content/testSuite must NOT have additional properties',
    ],
    [
      'outcome outside the enum',
      'testsuiterun.finished',
      ['subject.content.outcome', 'inconclusive'],
      '/subject/content/outcome must be equal to one of the allowed values',
    ],
    [
      'type at an older version',
      'incident.detected',
      ['context.type', 'dev.cdevents.incident.detected.0.2.0'],
      'no schema for type dev.cdevents.incident.detected.0.2.0',
    ],
    [
      'timestamp not RFC 3339',
      'service.removed',
      ['context.timestamp', '01/05/2026 12:00'],
      '/context/timestamp must match format "date-time"',
    ],
    [
      'specversion missing',
      'service.deployed',
      ['context.specversion', REMOVE],
      "/context must have required property 'specversion'",
    ],
    [
      '0.4-style context.version',
      'kulta-rollout.paused',
      ['context.version', '0.4.1'],
      '/context must NOT have additional properties',
    ],
    [
      'custom predicate with a hyphen',
      'kulta-rollout.stepstarted',
      ['context.type', 'dev.cdeventsx.kulta-rollout.step-started.0.1.0'],
      '/context/type must match pattern',
    ],
    [
      'custom subject.type present',
      'kulta-rollout.aborted',
      ['subject.type', 'kulta-rollout'],
      '/subject must NOT have additional properties',
    ],
    [
      'custom content not an object',
      'kulta-rollout.promoted',
      ['subject.content', 'promoted'],
      '/subject/content must be object',
    ],
    [
      'embedded PATH link without from',
      'service.upgraded',
      ['context.links', [{ linkType: 'PATH' }]],
      "/context/links/0 must have required property 'from'",
    ],
  ];

  it.each(cases)('%s fails validation (%s)', (_name, sampleName, [path, value], expected) => {
    const event = sample(sampleName);
    expect(schemas.validate(event).valid).toBe(true);
    const result = schemas.validate(edited(event, path.split('.'), value));
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toContain(expected);
  });

  it('refuses an event of a type it has no schema for', () => {
    const result = schemas.validate({ context: { type: 'dev.cdevents.service.exploded.0.3.0' } });
    expect(result).toEqual({
      valid: false,
      errors: ['no schema for type dev.cdevents.service.exploded.0.3.0'],
    });
  });
});

describe('schema folder lookup', () => {
  it('says where it looked and how to point elsewhere when the folder is missing', () => {
    vi.stubEnv('CDEVENTS_SCHEMAS', '/nonexistent/cdevents/schemas');
    try {
      expect(() => cdeventsSchemaDir()).toThrow(
        'CDEvents v0.5.1 schemas not found in /nonexistent/cdevents/schemas',
      );
      expect(() => cdeventsSchemaDir()).toThrow('Set CDEVENTS_SCHEMAS');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('uses CDEVENTS_SCHEMAS when it points at a schema folder', () => {
    vi.stubEnv('CDEVENTS_SCHEMAS', schemas.dir);
    try {
      expect(cdeventsSchemaDir()).toBe(schemas.dir);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
