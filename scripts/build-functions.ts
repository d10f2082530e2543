// `npm run build`: bundles each function entry into one minified ES module for the container
// image, dist/reconcile.mjs, dist/tick.mjs and dist/dashboard.mjs (with its browser files in
// dist/static/). A single file per function starts faster than node_modules resolution (cold
// starts matter when Knative scales from zero) and needs nothing else at run time but Node. It
// also bundles the `kulta` CLI into dist/kulta.js, an executable with a shebang, which
// package.json's bins point at (node does not strip types under node_modules, so an installed
// bin cannot be the .ts source).
//
//   node scripts/build-functions.ts [--outdir DIR] [--functions-only]
import { chmod, cp, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type BuildOptions } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The functions in the image: entry source and bundle name. */
export const functionEntries = {
  reconcile: 'functions/reconcile/main.ts',
  tick: 'functions/tick/main.ts',
  dashboard: 'functions/dashboard/main.ts',
} as const;

/** The dashboard's browser files, copied beside its bundle (functions/dashboard/static.ts). */
const dashboardStatic = { from: 'functions/dashboard/static', to: 'static' } as const;

// Bundled CommonJS dependencies (client-node, pino, prom-client) call require() and read
// __dirname; an ES module bundle has neither unless we provide them.
const banner = [
  "import { createRequire as __kultaCreateRequire } from 'node:module';",
  "import { fileURLToPath as __kultaFileURLToPath } from 'node:url';",
  "import { dirname as __kultaDirname } from 'node:path';",
  'const require = __kultaCreateRequire(import.meta.url);',
  'const __filename = __kultaFileURLToPath(import.meta.url);',
  'const __dirname = __kultaDirname(__filename);',
].join('\n');

export function bundleOptions(outdir: string): BuildOptions {
  return {
    entryPoints: Object.entries(functionEntries).map(([out, entry]) => ({
      in: join(root, entry),
      out,
    })),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    // The oldest Node KULTA supports (package.json engines); the image runs Node 24.
    target: 'node22.19',
    banner: { js: banner },
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  };
}

/** Bundles the functions into `outdir` (emptied first); returns the bundles written. */
export async function buildFunctions(outdir = join(root, 'dist')): Promise<string[]> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build(bundleOptions(outdir));
  await cp(join(root, dashboardStatic.from), join(outdir, dashboardStatic.to), { recursive: true });
  return Object.entries(result.metafile?.outputs ?? {})
    .filter(([file]) => file.endsWith('.mjs'))
    .map(
      ([file, out]) =>
        `${relative(root, join(root, file))} (${String(Math.round(out.bytes / 1024))} KiB)`,
    );
}

/** The CLI entry and its bundle's name in outdir. */
export const cliEntry = { entry: 'functions/cli/main.ts', out: 'kulta.js' } as const;

/**
 * Bundles the CLI into `outdir`/kulta.js (not emptying outdir): one ES module with a shebang,
 * made executable. It finds the CRDs for `kulta lint` in ../crds from where it lies.
 */
export async function buildCli(outdir = join(root, 'dist')): Promise<string> {
  const outfile = join(outdir, cliEntry.out);
  const result = await build({
    entryPoints: [join(root, cliEntry.entry)],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22.19',
    banner: { js: `#!/usr/bin/env node\n${banner}` },
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
  const bytes = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('.js'))?.[1].bytes;
  return `${relative(root, outfile)} (${String(Math.round((bytes ?? 0) / 1024))} KiB)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { outdir: { type: 'string' }, 'functions-only': { type: 'boolean', default: false } },
  });
  const started = Date.now();
  const outdir = values.outdir ? resolve(values.outdir) : undefined;
  const functions = await buildFunctions(outdir);
  // The container image needs the functions only; the CLI bundle is for the npm package.
  const files = values['functions-only'] ? functions : [...functions, await buildCli(outdir)];
  process.stdout.write(`built ${files.join(', ')} in ${String(Date.now() - started)} ms\n`);
}
