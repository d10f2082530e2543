// The tar writer: ustar headers a reader accepts (checked field by field and with the system's
// tar), PAX records for paths too long for ustar, and refusals of entries no layer should hold.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { paxRecord, tar, type TarEntry } from './tar.ts';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kulta-tar-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const field = (buf: Buffer, offset: number, width: number): string =>
  buf
    .subarray(offset, offset + width)
    .toString('latin1')
    .replace(/\0.*$/s, '');

describe('tar', () => {
  it('writes a ustar header with octal fields, a valid checksum and padded content', () => {
    const out = tar([
      { type: 'file', path: 'app/x.txt', mode: 0o644, uid: 1000, content: bytes('hello') },
    ]);
    expect(out.length).toBe(512 + 512 + 1024);
    expect(field(out, 0, 100)).toBe('app/x.txt');
    expect(field(out, 100, 8)).toBe('0000644');
    expect(field(out, 108, 8)).toBe('0001750');
    expect(field(out, 124, 12)).toBe('00000000005');
    expect(field(out, 257, 6)).toBe('ustar');
    const sum = [...out.subarray(0, 512)].reduce(
      (a, b, i) => a + (i >= 148 && i < 156 ? 32 : b),
      0,
    );
    expect(Number.parseInt(field(out, 148, 8), 8)).toBe(sum);
    expect(out.subarray(512, 517).toString()).toBe('hello');
    expect(out.subarray(517).every((b) => b === 0)).toBe(true);
  });

  it('is byte-for-byte the same for the same entries', () => {
    const entries: TarEntry[] = [{ type: 'dir', path: 'a', mode: 0o755 }];
    expect(tar(entries).equals(tar(entries))).toBe(true);
  });

  it.each([
    ['short', 'path', 'a/b'],
    ['at the 9 → 10 digit edge', 'path', 'x'.repeat(2)],
    ['at the 99 → 100 digit edge', 'path', 'y'.repeat(91)],
  ])('makes PAX records whose length counts itself (%s)', (_, key, value) => {
    const record = paxRecord(key, value);
    const [length] = record.split(' ');
    expect(Buffer.byteLength(record)).toBe(Number(length));
    expect(record.endsWith(`${key}=${value}\n`)).toBe(true);
  });

  it('round-trips through the system tar: files, folders, symlinks, long paths', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}`;
    const longer = `${'g'.repeat(120)}/${'h'.repeat(120)}.txt`;
    const entries: TarEntry[] = [
      { type: 'dir', path: 'tmp', mode: 0o1777 },
      { type: 'file', path: 'bin/tool', mode: 0o755, content: bytes('#!/bin/sh\n') },
      { type: 'symlink', path: 'bin/alias', target: 'tool' },
      { type: 'file', path: `${deep}/file`, mode: 0o600, content: bytes('deep') },
      { type: 'file', path: longer, mode: 0o644, content: bytes('pax') },
    ];
    await writeFile(join(scratch, 'x.tar'), tar(entries));
    const into = join(scratch, 'out');
    execFileSync('mkdir', ['-p', into]);
    execFileSync('tar', ['-x', '-p', '-f', join(scratch, 'x.tar'), '-C', into]);
    expect((await stat(join(into, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(into, 'bin/tool'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(into, 'bin/alias'))).toBe('tool');
    expect(await readFile(join(into, deep, 'file'), 'utf8')).toBe('deep');
    expect(await readFile(join(into, longer), 'utf8')).toBe('pax');
  });

  it.each([
    ['an absolute path', [{ type: 'dir', path: '/etc', mode: 0o755 }], 'must be relative'],
    ['a trailing slash', [{ type: 'dir', path: 'etc/', mode: 0o755 }], 'must be relative'],
    [
      'the same path twice',
      [
        { type: 'dir', path: 'etc', mode: 0o755 },
        { type: 'dir', path: 'etc', mode: 0o700 },
      ],
      'etc is listed twice',
    ],
  ] satisfies [string, TarEntry[], string][])('refuses %s', (_, entries, message) => {
    expect(() => tar(entries)).toThrow(message);
  });
});
