// The headless Chromium the dashboard's browser tests drive (through playwright-core): the one
// the npm package @sparticuz/chromium ships (a brotli-packed headless build with the NSS
// libraries it links), unpacked once into the test-bed cache beside a launcher that points the
// loader at those libraries; or $KULTA_CHROMIUM. `npm ci` is all a Linux x64 machine needs.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, constants, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';
import { cacheRoot } from '../bed/assets.ts';

const packageName = '@sparticuz/chromium';

const howToGetOne =
  `run \`npm ci\` (it installs ${packageName}, a headless Chromium for Linux x64), or set ` +
  'KULTA_CHROMIUM to a Chromium or Chrome binary (on Debian: `apt-get install chromium`, then ' +
  'KULTA_CHROMIUM=/usr/bin/chromium)';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of the installed npm package, or an error saying how to install it. */
function packageDir(): string {
  try {
    // The package exports only its entry (build/index.js); its bin/ folder sits beside build/.
    return dirname(dirname(fileURLToPath(import.meta.resolve(packageName))));
  } catch (error) {
    throw new Error(`no headless Chromium: ${packageName} is not installed; ${howToGetOne}`, {
      cause: error,
    });
  }
}

function run(command: string, args: readonly string[], input?: NodeJS.ReadableStream) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${String(code)}: ${output}`));
    });
    if (input && child.stdin) input.pipe(child.stdin);
  });
}

/** Runs `<binary> --version` with its libraries; on failure, names the libraries missing. */
async function checkRuns(binary: string, libs: string): Promise<void> {
  const loader = `LD_LIBRARY_PATH=${libs}`;
  try {
    await run('env', [loader, binary, '--version']);
  } catch (error) {
    const ldd = await run('env', [loader, 'ldd', binary]).catch((e: unknown) => String(e));
    const missing = ldd
      .split('\n')
      .filter((line) => line.includes('not found'))
      .map((line) => line.trim().split(' ')[0] ?? line);
    const what =
      missing.length > 0
        ? `it needs shared libraries this machine lacks: ${missing.join(', ')}`
        : `it did not start: ${String(error)}`;
    throw new Error(
      `the headless Chromium from ${packageName} does not run: ${what}; ${howToGetOne}`,
      {
        cause: error,
      },
    );
  }
}

/** Unpacks the package's Chromium and libraries into `dir` (through a staging folder). */
async function unpack(pkg: string, dir: string): Promise<void> {
  const staging = `${dir}.unpacking-${String(process.pid)}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const binary = join(staging, 'headless_shell');
    await pipeline(
      createReadStream(join(pkg, 'bin', 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(binary),
    );
    await chmod(binary, 0o755);
    // NSS, NSPR and expat, built for the glibc the binary targets: the host's are not needed.
    const libs = createReadStream(join(pkg, 'bin', 'al2023.tar.br')).pipe(createBrotliDecompress());
    await run('tar', ['-x', '-C', staging], libs);
    await checkRuns(binary, join(staging, 'lib'));
    await writeFile(join(staging, 'chromium'), launcherScript(dir));
    await chmod(join(staging, 'chromium'), 0o755);
    await settle(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Moves the unpacked folder into place. Another test run may have unpacked the same version
 * meanwhile (the cache is shared) and may be running its browser: a complete folder is kept.
 */
async function settle(staging: string, dir: string): Promise<void> {
  if (await isExecutable(join(dir, 'chromium'))) {
    await rm(staging, { recursive: true, force: true });
    return;
  }
  await rm(dir, { recursive: true, force: true });
  try {
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!(await isExecutable(join(dir, 'chromium')))) throw error;
  }
}

/** A launcher that runs the unpacked binary with its own libraries first on the loader path. */
export function launcherScript(dir: string): string {
  const quoted = `'${dir.replaceAll("'", "'\\''")}'`;
  return [
    '#!/bin/sh',
    `# Written by KULTA's test setup (test/support/chromium.ts) from ${packageName}.`,
    `dir=${quoted}`,
    'LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$dir/headless_shell" "$@"',
    '',
  ].join('\n');
}

/**
 * The Chromium binary for the browser tests: $KULTA_CHROMIUM when set, else the npm package's,
 * unpacked into `<test-bed cache>/chromium-<package version>/` on first use (about 3 s on an
 * idle machine, minutes under heavy load: the integration global setup does it, outside any
 * test's hook timeout).
 */
export async function ensureChromium(): Promise<string> {
  const explicit = process.env.KULTA_CHROMIUM;
  if (explicit !== undefined && explicit !== '') {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`KULTA_CHROMIUM=${explicit} is not an executable file; ${howToGetOne}`);
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `no headless Chromium: ${packageName} ships one for Linux x64 only, this is ` +
        `${process.platform} ${process.arch}; set KULTA_CHROMIUM to a Chromium or Chrome binary`,
    );
  }
  const pkg = packageDir();
  const { version } = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(cacheRoot(), `chromium-${version}`);
  const launcher = join(dir, 'chromium');
  if (!(await isExecutable(launcher))) await unpack(pkg, dir);
  return launcher;
}
