// The committed CRDs are what scripts/gen-crds.ts makes from the test bed's own OpenAPI: the
// pod template and selector schemas really are Kubernetes v1.36's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdsDir, fetchOpenApi, generate } from '../../scripts/gen-crds.ts';
import { testKube } from '../support/kube.ts';

describe('scripts/gen-crds.ts against the test bed', () => {
  it('reproduces every committed CRD byte for byte', async () => {
    const documents = { 'api/v1': await fetchOpenApi(testKube().kc, 'api/v1') };
    const generated = await generate(documents);
    expect([...generated.keys()]).toContain('rollouts.kulta.io.yaml');
    for (const [file, text] of generated) {
      expect(text, `crds/${file} is stale: run node scripts/gen-crds.ts`).toBe(
        await readFile(join(crdsDir, file), 'utf8'),
      );
    }
  });
});
