// The event-sink adapter's configuration (K_SINK, K_CE_OVERRIDES) and retry policy.
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSinkConfigError,
  createEventSinkFromEnv,
  isRetryableStatus,
  parseCeOverrides,
  parseSinkUrl,
  retryDelayMs,
} from '../../functions/adapters/event-sink.ts';
import { closeReceivers, RETRY, sinkFor } from '../support/event-receiver.ts';

afterEach(closeReceivers);

describe('configuration', () => {
  it.each([
    ['K_SINK unset', undefined, 'K_SINK: not set'],
    ['K_SINK not a URL', 'broker-ingress', 'K_SINK: "broker-ingress" is not a URL'],
    ['K_SINK relative', '/default/broker', 'K_SINK: "/default/broker" is not a URL'],
    [
      'K_SINK not http',
      'ftp://127.0.0.1/x',
      'K_SINK: "ftp://127.0.0.1/x" must be an http or https URL',
    ],
  ])('%s', (_name, value, message) => {
    expect(() => parseSinkUrl(value)).toThrow(EventSinkConfigError);
    expect(() => parseSinkUrl(value)).toThrow(message);
  });

  it.each([
    ['bad JSON', '{extensions:', 'K_CE_OVERRIDES: is not valid JSON'],
    ['array', '[]', 'K_CE_OVERRIDES: must be a JSON object'],
    [
      'extensions not an object',
      '{"extensions":"x"}',
      'K_CE_OVERRIDES: "extensions" must be an object',
    ],
    [
      'upper-case name',
      '{"extensions":{"Cluster":"a"}}',
      'K_CE_OVERRIDES: extension name "Cluster"',
    ],
    [
      'name too long',
      `{"extensions":{"${'a'.repeat(21)}":"a"}}`,
      'must be 1-20 lowercase letters or digits',
    ],
    [
      'core attribute',
      '{"extensions":{"source":"/x"}}',
      'K_CE_OVERRIDES: "source" is not an extension',
    ],
    [
      'object value',
      '{"extensions":{"team":{"a":1}}}',
      'K_CE_OVERRIDES: extension "team" must be a string',
    ],
    [
      'fractional value',
      '{"extensions":{"ratio":0.5}}',
      'K_CE_OVERRIDES: extension "ratio" must be a string',
    ],
  ])('K_CE_OVERRIDES %s is refused', (_name, value, message) => {
    expect(() => parseCeOverrides(value)).toThrow(EventSinkConfigError);
    expect(() => parseCeOverrides(value)).toThrow(message);
  });

  it.each([
    ['unset', undefined, {}],
    ['empty', '', {}],
    ['no extensions', '{}', {}],
    ['extensions', '{"extensions":{"cluster":"eu1","n":3}}', { cluster: 'eu1', n: '3' }],
  ])('K_CE_OVERRIDES %s parses', (_name, value, expected) => {
    expect(parseCeOverrides(value)).toEqual(expected);
  });

  it('createEventSinkFromEnv names the variable that is wrong', () => {
    expect(() =>
      createEventSinkFromEnv({ K_SINK: 'http://127.0.0.1:1/', K_CE_OVERRIDES: '{' }),
    ).toThrow('K_CE_OVERRIDES: is not valid JSON');
  });

  it.each([
    [
      'maxAttempts 0',
      { retry: { ...RETRY, maxAttempts: 0 } },
      'retry.maxAttempts must be an integer ≥ 1',
    ],
    ['timeout 0', { timeoutMs: 0 }, 'timeoutMs must be > 0'],
  ])('refuses a policy with %s', (_name, extra, message) => {
    expect(() => sinkFor('http://127.0.0.1:1/', extra)).toThrow(message);
  });
});

describe('retry policy', () => {
  it.each([
    [1, 250],
    [2, 500],
    [3, 1000],
    [4, 2000],
    [5, 4000],
    [6, 4000],
  ])('after %i failed attempts waits %i ms', (failed, ms) => {
    expect(retryDelayMs(failed, { maxAttempts: 10, baseDelayMs: 250, maxDelayMs: 4000 })).toBe(ms);
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [404, true],
    [408, true],
    [409, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [410, false],
    [422, false],
    [301, false],
  ])('status %i retryable: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});
