// The JSONPath subset of web metrics: what Argo's users write, and clear refusals for the rest.
import { describe, expect, it } from 'vitest';
import { parseJsonPath, selectJsonPath } from '../../../functions/core/analysis/json-path.ts';

const body = {
  data: { ok: true, latency: 0.12, 'p-99': 0.3, 'with space': 'x' },
  items: [{ value: 1 }, { value: 2 }, { value: 3 }],
  status: 'up',
};

describe('selectJsonPath', () => {
  it.each<{ name: string; path: string; expected: unknown }>([
    { name: 'braces and $', path: '{$.data.ok}', expected: true },
    { name: 'no braces', path: '$.data.latency', expected: 0.12 },
    { name: 'braces without $', path: '{.status}', expected: 'up' },
    { name: 'a bare field', path: 'status', expected: 'up' },
    { name: 'the whole body', path: '{$}', expected: body },
    { name: 'a dash in a field name', path: '{$.data.p-99}', expected: 0.3 },
    { name: 'a quoted field', path: "{$.data['with space']}", expected: 'x' },
    { name: 'a double-quoted field', path: '{$["data"]["ok"]}', expected: true },
    { name: 'an index', path: '{$.items[1].value}', expected: 2 },
    { name: 'a negative index', path: '{$.items[-1].value}', expected: 3 },
    { name: 'a wildcard: every match', path: '{$.items[*].value}', expected: [1, 2, 3] },
    { name: '.* over an object', path: '{$.data.*}', expected: [true, 0.12, 0.3, 'x'] },
  ])('$name: $path', ({ path, expected }) => {
    expect(selectJsonPath(parseJsonPath(path), body)).toEqual(expected);
  });

  it.each<{ name: string; path: string; message: RegExp }>([
    {
      name: 'a missing field',
      path: '{$.data.missing}',
      message: /\$\.data has no field "missing" \(its fields: ok, latency/,
    },
    {
      name: 'an index out of range',
      path: '{$.items[5]}',
      message: /\$\.items has 3 items; \[5\] is out of range/,
    },
    {
      name: 'a field of a number',
      path: '{$.data.latency.x}',
      message: /\$\.data\.latency is a number, which has no field "x"/,
    },
    {
      name: 'an index into an object',
      path: '{$.data[0]}',
      message: /\$\.data is an object, not a list for \[0\]/,
    },
  ])('$name is an error naming where: $path', ({ path, message }) => {
    expect(() => selectJsonPath(parseJsonPath(path), body)).toThrow(message);
  });
});

describe('parseJsonPath refuses what it does not understand', () => {
  it.each<{ path: string; message: RegExp }>([
    { path: '{$..value}', message: /recursive descent \(\.\.\) are not supported/ },
    { path: '{$.items[?(@.value > 1)]}', message: /filters/ },
    { path: '{$.items[0:2]}', message: /slices/ },
    { path: '{$.a} {$.b}', message: /only one expression/ },
    { path: '{$.a', message: /without its closing/ },
    { path: '{$.a+b}', message: /cannot read the path at "\+b"/ },
  ])('$path', ({ path, message }) => {
    expect(() => parseJsonPath(path)).toThrow(message);
  });
});
