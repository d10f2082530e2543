// How the browser tests find their Chromium: $KULTA_CHROMIUM when set (refused, saying how to get
// one, when it is not an executable), and the launcher written beside the unpacked npm binary.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureChromium, launcherScript } from './chromium.ts';

const saved = { ...process.env };
let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kulta-chromium-'));
});

afterEach(async () => {
  process.env = { ...saved };
  await rm(scratch, { recursive: true, force: true });
});

describe('the browser tests’ Chromium', () => {
  it('uses $KULTA_CHROMIUM when it is an executable', async () => {
    const binary = join(scratch, 'my-chrome');
    await writeFile(binary, '#!/bin/sh\n');
    await chmod(binary, 0o755);
    process.env.KULTA_CHROMIUM = binary;
    await expect(ensureChromium()).resolves.toBe(binary);
  });

  it.each([
    ['a missing file', 'missing'],
    ['a file that is not executable', 'plain'],
  ])('refuses $KULTA_CHROMIUM naming %s and says how to get one', async (_, name) => {
    const path = join(scratch, name);
    if (name === 'plain') await writeFile(path, 'not a browser');
    process.env.KULTA_CHROMIUM = path;
    const failure = ensureChromium();
    await expect(failure).rejects.toThrow(`KULTA_CHROMIUM=${path} is not an executable file`);
    await expect(failure).rejects.toThrow(/npm ci.*@sparticuz\/chromium.*apt-get install chromium/);
  });

  it('writes a launcher that puts the bundled libraries first and passes every argument', () => {
    const script = launcherScript("/cache/it's here/chromium-153.0.0");
    expect(script.split('\n')).toEqual([
      '#!/bin/sh',
      "# Written by KULTA's test setup (test/support/chromium.ts) from @sparticuz/chromium.",
      "dir='/cache/it'\\''s here/chromium-153.0.0'",
      'LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$dir/headless_shell" "$@"',
      '',
    ]);
  });
});
