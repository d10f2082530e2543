// The demo workload's settings and answers: bad settings named with their fix, the error share
// decided by the roll passed in, health that never fails or waits.
import { describe, expect, it } from 'vitest';
import { answer, parseDemoConfig, type DemoConfig } from './config.ts';

const config: DemoConfig = { version: 'v2', errorRate: 0.25, latencyMs: 40, port: 8080 };

describe('demo workload settings', () => {
  it('defaults to no errors, no latency, port 8080', () => {
    expect(parseDemoConfig({ VERSION: 'v1' })).toEqual({
      version: 'v1',
      errorRate: 0,
      latencyMs: 0,
      port: 8080,
    });
  });

  it('reads every setting', () => {
    const env = { VERSION: ' v2 ', ERROR_RATE: '0.5', LATENCY_MS: '30', PORT: '9000' };
    expect(parseDemoConfig(env)).toEqual({
      version: 'v2',
      errorRate: 0.5,
      latencyMs: 30,
      port: 9000,
    });
  });

  it.each([
    ['no VERSION', {}, 'VERSION must be set'],
    [
      'ERROR_RATE not a number',
      { VERSION: 'v', ERROR_RATE: 'half' },
      'ERROR_RATE="half" is not a number',
    ],
    [
      'ERROR_RATE above 1',
      { VERSION: 'v', ERROR_RATE: '50' },
      'ERROR_RATE=50 must be between 0 and 1',
    ],
    ['ERROR_RATE below 0', { VERSION: 'v', ERROR_RATE: '-0.1' }, 'must be between 0 and 1'],
    [
      'LATENCY_MS fractional',
      { VERSION: 'v', LATENCY_MS: '1.5' },
      'LATENCY_MS=1.5 must be a whole',
    ],
    ['PORT out of range', { VERSION: 'v', PORT: '70000' }, 'PORT=70000 must be a TCP port'],
  ])('refuses %s', (_, env: Record<string, string>, message) => {
    expect(() => parseDemoConfig(env)).toThrow(message);
  });
});

describe('demo workload answers', () => {
  it.each([
    {
      row: 'GET / with a roll above the error rate',
      method: 'GET',
      path: '/',
      roll: 0.25,
      want: { status: 200, body: { version: 'v2', ok: true }, delayMs: 40 },
    },
    {
      row: 'GET / with a roll below the error rate',
      method: 'GET',
      path: '/',
      roll: 0.2499,
      want: { status: 500, body: { version: 'v2', ok: false }, delayMs: 40 },
    },
    {
      row: 'GET / with a query',
      method: 'GET',
      path: '/?user=7',
      roll: 0.9,
      want: { status: 200, body: { version: 'v2', ok: true }, delayMs: 40 },
    },
    {
      row: 'health, even on a failing roll',
      method: 'GET',
      path: '/healthz',
      roll: 0,
      want: { status: 200, body: { status: 'ok', version: 'v2' }, delayMs: 0 },
    },
    {
      row: 'readiness',
      method: 'GET',
      path: '/readyz',
      roll: 0,
      want: { status: 200, body: { status: 'ok', version: 'v2' }, delayMs: 0 },
    },
    {
      row: 'an unknown path',
      method: 'GET',
      path: '/admin',
      roll: 0.9,
      want: { status: 404, body: { error: 'no route /admin' }, delayMs: 0 },
    },
    {
      row: 'POST /',
      method: 'POST',
      path: '/',
      roll: 0.9,
      want: { status: 405, body: { error: 'POST is not allowed on /' }, delayMs: 0 },
    },
  ])('$row', ({ method, path, roll, want }) => {
    expect(answer(config, method, path, roll)).toEqual(want);
  });

  it('never fails at ERROR_RATE=0 and always fails at ERROR_RATE=1', () => {
    expect(answer({ ...config, errorRate: 0 }, 'GET', '/', 0).status).toBe(200);
    expect(answer({ ...config, errorRate: 1 }, 'GET', '/', 0.999999).status).toBe(500);
  });
});
