// Mapping Prometheus API responses to `result`: value strings, fractional timestamps, no data.
import { describe, expect, it } from 'vitest';
import {
  PrometheusResponseError,
  parseQueryResponse,
  parseTimestamp,
  sampleValues,
  toResultOutcome,
  type QueryData,
} from '../../../functions/core/analysis/prometheus-result.ts';
import { parseSampleValue } from '../../../functions/core/analysis/sample-value.ts';

function data(body: unknown): QueryData {
  const response = parseQueryResponse(body);
  if (response.status !== 'success') throw new Error('expected success');
  return response.data;
}

const vector = (...values: string[]): unknown => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((value, i) => ({
      metric: { __name__: 'x', pod: `p${i}` },
      value: [1700000000.123, value],
    })),
  },
});

describe('sample values and timestamps', () => {
  it.each<{ text: string; expected: number | undefined }>([
    { text: '0.5', expected: 0.5 },
    { text: '-1.25e-3', expected: -0.00125 },
    { text: '1e+21', expected: 1e21 },
    { text: '42', expected: 42 },
    { text: 'NaN', expected: NaN },
    { text: '+Inf', expected: Infinity },
    { text: '-Inf', expected: -Infinity },
    { text: '', expected: undefined },
    { text: ' 1', expected: undefined },
    { text: '0x10', expected: undefined },
    { text: 'Infinity', expected: undefined },
    { text: 'abc', expected: undefined },
  ])('parses "$text"', ({ text, expected }) => {
    expect(parseSampleValue(text)).toStrictEqual(expected);
  });

  it.each<{ name: string; value: unknown; expected: number }>([
    { name: 'fractional seconds', value: 1700000000.123, expected: 1700000000123 },
    { name: 'whole seconds', value: 1700000000, expected: 1700000000000 },
    { name: 'sub-millisecond rounding', value: 1700000000.0005, expected: 1700000000001 },
    { name: 'a numeric string', value: '1700000000.5', expected: 1700000000500 },
  ])('reads timestamps as $name', ({ value, expected }) => {
    expect(parseTimestamp(value)).toBe(expected);
  });

  it.each([null, 'x', '', Infinity, [1]])('refuses timestamp %j', (value) => {
    expect(() => parseTimestamp(value)).toThrow(PrometheusResponseError);
  });
});

describe('mapping results like Argo', () => {
  it('maps a vector to an array of numbers, keeping labels and fractional times', () => {
    const parsed = data(vector('0.99', 'NaN', '+Inf'));
    expect(parsed).toEqual({
      resultType: 'vector',
      samples: [
        { labels: { __name__: 'x', pod: 'p0' }, timeMs: 1700000000123, value: 0.99 },
        { labels: { __name__: 'x', pod: 'p1' }, timeMs: 1700000000123, value: NaN },
        { labels: { __name__: 'x', pod: 'p2' }, timeMs: 1700000000123, value: Infinity },
      ],
    });
    expect(toResultOutcome(parsed)).toEqual({
      kind: 'value',
      result: [0.99, NaN, Infinity],
      display: '[0.99,NaN,+Inf]',
    });
  });

  it.each<{ name: string; body: unknown; expected: unknown }>([
    {
      name: 'scalar → number',
      body: { status: 'success', data: { resultType: 'scalar', result: [1700000000.5, '-Inf'] } },
      expected: { kind: 'value', result: -Infinity, display: '-Inf' },
    },
    {
      name: 'string → string',
      body: { status: 'success', data: { resultType: 'string', result: [1700000000.5, 'ok'] } },
      expected: { kind: 'value', result: 'ok', display: 'ok' },
    },
    {
      name: 'matrix → arrays of numbers per series',
      body: {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { v: 'a' },
              values: [
                [1.5, '1'],
                [2.5, '2'],
              ],
            },
            { metric: { v: 'b' }, values: [[1.5, '3']] },
          ],
        },
      },
      expected: { kind: 'value', result: [[1, 2], [3]], display: '[[1,2],[3]]' },
    },
    {
      name: 'empty vector → NO DATA',
      body: vector(),
      expected: { kind: 'no-data', reason: 'the query returned an empty vector' },
    },
    {
      name: 'all-NaN vector (0/0) → NO DATA',
      body: vector('NaN', 'NaN'),
      expected: {
        kind: 'no-data',
        reason: 'every value the query returned is NaN (0/0: no traffic?)',
      },
    },
    {
      name: 'empty matrix → NO DATA',
      body: { status: 'success', data: { resultType: 'matrix', result: [] } },
      expected: { kind: 'no-data', reason: 'the query returned no samples' },
    },
  ])('$name', ({ body, expected }) => {
    expect(toResultOutcome(data(body))).toEqual(expected);
  });

  it('flattens matrix samples for the judge', () => {
    const body = {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: [
              [1, '1'],
              [2, '2'],
            ],
          },
          { metric: {}, values: [[1, '3']] },
        ],
      },
    };
    expect(sampleValues(data(body))).toEqual([1, 2, 3]);
  });
});

describe('response envelopes', () => {
  it('passes on Prometheus errors with their type and text', () => {
    const body = { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected' };
    expect(parseQueryResponse(body)).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: '1:5: parse error: unexpected',
    });
  });

  it('keeps warnings', () => {
    const body = {
      status: 'success',
      warnings: ['partial'],
      data: { resultType: 'vector', result: [] },
    };
    expect(parseQueryResponse(body)).toMatchObject({ warnings: ['partial'] });
  });

  it.each<{ name: string; body: unknown; message: RegExp }>([
    { name: 'not an object', body: 'oops', message: /not a JSON object/ },
    { name: 'unknown status', body: { status: 'pending' }, message: /status is "pending"/ },
    { name: 'no data', body: { status: 'success' }, message: /"data" is missing/ },
    {
      name: 'unknown result type',
      body: { status: 'success', data: { resultType: 'table', result: [] } },
      message: /unknown resultType "table"/,
    },
    {
      name: 'number instead of string value',
      body: { status: 'success', data: { resultType: 'scalar', result: [1, 0.5] } },
      message: /value is not a string/,
    },
    { name: 'empty value string', body: vector(''), message: /sample value "" is not a number/ },
    {
      name: 'native histogram',
      body: {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, histogram: [1, {}] }] },
      },
      message: /native histogram/,
    },
    {
      name: 'non-string label',
      body: {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: { a: 1 }, value: [1, '1'] }] },
      },
      message: /label a is not a string/,
    },
  ])('refuses $name', ({ body, message }) => {
    expect(() => parseQueryResponse(body)).toThrow(message);
  });
});
