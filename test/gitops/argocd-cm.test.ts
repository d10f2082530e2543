// The argocd-cm patch users apply is generated from the Lua scripts kept in Argo CD's
// resource_customizations layout: the committed patch must be what the scripts make.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { argocdCmPatch, patchFile } from '../../scripts/gen-argocd-cm.ts';

describe('docs/gitops/argocd/argocd-cm-patch.yaml', () => {
  it('is up to date with the Lua scripts (else run node scripts/gen-argocd-cm.ts)', async () => {
    expect(await readFile(patchFile, 'utf8')).toBe(await argocdCmPatch());
  });

  it('holds a health check and the five actions under Argo CD key names', async () => {
    const { data } = parse(await argocdCmPatch()) as { data: Record<string, string> };
    expect(Object.keys(data).sort()).toEqual([
      'resource.customizations.actions.kulta.io_Rollout',
      'resource.customizations.health.kulta.io_Rollout',
    ]);
    const actions = parse(data['resource.customizations.actions.kulta.io_Rollout'] ?? '') as {
      'discovery.lua': string;
      definitions: { name: string; 'action.lua': string }[];
    };
    expect(actions.definitions.map((d) => d.name)).toEqual([
      'abort',
      'promote',
      'promote-full',
      'restart',
      'retry',
    ]);
    for (const d of actions.definitions)
      expect(actions['discovery.lua']).toContain(`["${d.name}"]`);
  });
});
