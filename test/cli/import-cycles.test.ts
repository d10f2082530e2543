// The CLI's modules import each other without cycles (issue 18: cli.ts ↔ convert.ts /
// lint-files.ts went through the CliIo type): a cycle makes load order matter and hides which
// module is the shell and which the parts.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('functions/cli');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a module (type-only ones too: they tie the modules as well). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms)];
  return found.map((m) => resolve(dirname(file), m[1] ?? ''));
}

function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('functions/cli', () => {
  it('has no import cycle', () => {
    const files = sources(ROOT);
    const graph = new Map(
      files.map((f) => [f, importsOf(f).filter((target) => target.startsWith(ROOT))]),
    );
    expect(graph.get(join(ROOT, 'convert.ts'))?.length).toBeGreaterThan(0);
    const cycle = findCycle(graph);
    expect(cycle?.map((f) => f.slice(ROOT.length + 1))).toBeUndefined();
  });
});
