// The image recipes' pure parts: the libraries Node links, read from ldd, and the folders a layer
// must hold before its files.
import { describe, expect, it } from 'vitest';
import { imageNames, imageRepositories, parentDirs, parseLdd } from './images.ts';

const ldd = `
	linux-vdso.so.1 (0x00007ffd5b5f2000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f12f69d8000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f12f6600000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f12f641e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f12f69f0000)
`;

describe('bed images', () => {
  it('can build the demo workload and KULTA itself, in dev.local (no tag resolution)', () => {
    expect(imageNames).toEqual(['demo', 'kulta']);
    expect(imageRepositories).toEqual({ demo: 'dev.local/kulta-demo', kulta: 'dev.local/kulta' });
  });

  it('reads the libraries and the loader from ldd, skipping the vDSO', () => {
    expect(parseLdd(ldd, 'node')).toEqual([
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
    expect(parseLdd('\tstatically linked\n', 'pause')).toEqual([]);
  });

  it('names the libraries this machine lacks', () => {
    const missing = `${ldd}\tlibstdc++.so.6 => not found\n\tlibatomic.so.1 => not found\n`;
    expect(() => parseLdd(missing, '/x/node')).toThrow(
      '/x/node links libraries this machine lacks: libstdc++.so.6, libatomic.so.1',
    );
  });

  it('lists every parent folder once, sorted, except those given their own entry', () => {
    const dirs = parentDirs(
      ['usr/local/bin/node', 'usr/lib/x.so', 'etc/passwd', 'tmp/a'],
      new Set(['tmp']),
    );
    expect(dirs.map((d) => d.path)).toEqual([
      'etc',
      'usr',
      'usr/lib',
      'usr/local',
      'usr/local/bin',
    ]);
    expect(dirs.every((d) => d.type === 'dir' && d.mode === 0o755)).toBe(true);
  });
});
