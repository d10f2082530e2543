// The CRDs lint checks against, read at run time from crds/ (so a schema the lead extends is
// linted without a change here): $KULTA_CRDS, else the crds/ folder of the checkout or package
// this file (or the bundle, dist/kulta.js) belongs to.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Schema } from './schema.ts';

export interface CrdKind {
  readonly kind: string;
  readonly group: string;
  readonly versions: ReadonlyMap<string, Schema>;
  readonly namespaced: boolean;
}

/** The kinds by `apiVersion kind` (e.g. "kulta.io/v1alpha1 Rollout"). */
export type CrdCatalog = ReadonlyMap<string, { readonly crd: CrdKind; readonly schema: Schema }>;

export class CrdsNotFoundError extends Error {
  override readonly name = 'CrdsNotFoundError';
}

export function findCrdDirectory(env: Readonly<Record<string, string | undefined>>): string {
  const given = env.KULTA_CRDS;
  if (given !== undefined && given !== '') return given;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'crds');
    if (existsSync(join(candidate, 'rollouts.kulta.io.yaml'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new CrdsNotFoundError(
        'cannot find the KULTA CRDs (crds/rollouts.kulta.io.yaml) next to kulta; set KULTA_CRDS to the crds/ folder of a KULTA checkout',
      );
    }
    dir = parent;
  }
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    scope?: string;
    names?: { kind?: string };
    versions?: { name?: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
  };
}

function kindOf(doc: CrdDocument): CrdKind | undefined {
  const spec = doc.spec;
  if (doc.kind !== 'CustomResourceDefinition' || !spec?.group || !spec.names?.kind)
    return undefined;
  const versions = new Map<string, Schema>();
  for (const v of spec.versions ?? []) {
    const schema = v.schema?.openAPIV3Schema;
    if (v.name && v.served !== false && schema) versions.set(v.name, schema);
  }
  return {
    kind: spec.names.kind,
    group: spec.group,
    versions,
    namespaced: spec.scope !== 'Cluster',
  };
}

export async function loadCrds(directory: string): Promise<CrdCatalog> {
  const catalog = new Map<string, { crd: CrdKind; schema: Schema }>();
  const files = (await readdir(directory)).filter((f) => f.endsWith('.yaml')).sort();
  for (const file of files) {
    const text = await readFile(join(directory, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const crd = kindOf(doc.toJS() as CrdDocument);
      if (!crd) continue;
      for (const [version, schema] of crd.versions) {
        catalog.set(`${crd.group}/${version} ${crd.kind}`, { crd, schema });
      }
    }
  }
  return catalog;
}
