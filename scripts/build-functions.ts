// `npm run build`: bundles each function entry into one minified ES module for the container
// image, dist/reconcile.mjs and dist/tick.mjs. A single file per function starts faster than
// node_modules resolution (cold starts matter when Knative scales from zero) and needs nothing
// else at run time but Node.
//
//   node scripts/build-functions.ts [--outdir DIR]
import { rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type BuildOptions } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The functions in the image: entry source and bundle name. */
export const functionEntries = {
  reconcile: 'functions/reconcile/main.ts',
  tick: 'functions/tick/main.ts',
} as const;

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

/** Bundles both functions into `outdir` (emptied first); returns the files written. */
export async function buildFunctions(outdir = join(root, 'dist')): Promise<string[]> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build(bundleOptions(outdir));
  return Object.entries(result.metafile?.outputs ?? {})
    .filter(([file]) => file.endsWith('.mjs'))
    .map(
      ([file, out]) =>
        `${relative(root, join(root, file))} (${String(Math.round(out.bytes / 1024))} KiB)`,
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  const started = Date.now();
  const files = await buildFunctions(
    values.outdir ? join(process.cwd(), values.outdir) : undefined,
  );
  process.stdout.write(`built ${files.join(', ')} in ${String(Date.now() - started)} ms\n`);
}
