// The dashboard's browser files (static/: HTML, CSS, plain JS modules), read once at start.
// Beside this module in the source tree, and beside the bundle in the image (build-functions
// copies static/ next to dashboard.mjs), so the same relative URL finds them in both.
import { readdirSync, readFileSync } from 'node:fs';

export interface StaticFile {
  readonly body: string;
  readonly contentType: string;
}

const contentTypes: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

export const staticDir = new URL('./static/', import.meta.url);

/** Every file of `dir` whose type the dashboard serves, by file name. */
export function loadStaticFiles(dir: URL = staticDir): ReadonlyMap<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const contentType = contentTypes[name.slice(name.lastIndexOf('.') + 1)];
    if (contentType === undefined) continue;
    files.set(name, { body: readFileSync(new URL(name, dir), 'utf8'), contentType });
  }
  if (!files.has('index.html')) {
    throw new Error(
      `the dashboard's files are missing: no index.html in ${dir.pathname} (the bundle needs static/ beside it; run scripts/build-functions.ts)`,
    );
  }
  return files;
}
