// undo: an earlier revision's ReplicaSet template back into spec.template, with our metadata and
// the apiserver's defaults taken off, so it hashes to that revision again.
import { describe, expect, it } from 'vitest';
import { PatchError } from '../../functions/cli/patches.ts';
import { templateFromReplicaSet, undoTarget } from '../../functions/cli/undo.ts';
import { podTemplateHash } from '../../functions/core/rollout/hash.ts';
import type { JsonObject } from '../../functions/core/rollout/types.ts';
import { aRollout } from '../fixtures/rollout-builder.ts';

/** A spec.template as a user writes it. */
function template(image: string): JsonObject {
  return {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
  };
}

/** The ReplicaSet KULTA made of it, as the apiserver stores it (defaults filled in). */
function replicaSet(
  image: string,
  revision: number,
  extraLabels: Record<string, string> = {},
): JsonObject {
  const t = template(image);
  const hash = podTemplateHash(t);
  return {
    metadata: {
      name: `web-${hash}`,
      labels: { app: 'web', 'rollouts-pod-template-hash': hash },
      annotations: { 'kulta.io/revision': String(revision) },
    },
    spec: {
      template: {
        metadata: {
          creationTimestamp: null,
          labels: { app: 'web', ...extraLabels, 'rollouts-pod-template-hash': hash },
          annotations: {},
        },
        spec: {
          containers: [
            {
              name: 'web',
              image,
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              // The apiserver's default: Always for :latest or no tag.
              imagePullPolicy:
                /:[^/:]+$/.test(image) && !image.endsWith(':latest') ? 'IfNotPresent' : 'Always',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
    },
  };
}

const hashOf = (image: string): string => podTemplateHash(template(image));

describe('templateFromReplicaSet', () => {
  it.each(['r/web:1.0', 'r/web:latest', 'r/web'])(
    'recovers the template of %s exactly',
    (image) => {
      expect(templateFromReplicaSet(replicaSet(image, 1), {})).toEqual(template(image));
    },
  );

  it('takes off the canary/stable pod labels the rollout adds', () => {
    const spec = { strategy: { canary: { stableMetadata: { labels: { role: 'stable' } } } } };
    expect(templateFromReplicaSet(replicaSet('r/web:1.0', 1, { role: 'stable' }), spec)).toEqual(
      template('r/web:1.0'),
    );
  });
});

describe('undoTarget', () => {
  const sets = [replicaSet('r/web:1.0', 1), replicaSet('r/web:2.0', 2), replicaSet('r/web:3.0', 3)];
  const rollout = (image: string): JsonObject =>
    aRollout()
      .spec({ template: template(image) })
      .status({ stableRS: hashOf('r/web:2.0'), currentPodHash: hashOf(image) })
      .build();

  it('goes back to the revision before the current one, exactly', () => {
    expect(undoTarget(rollout('r/web:3.0'), sets, undefined)).toEqual({
      revision: 2,
      podTemplateHash: hashOf('r/web:2.0'),
      replicaSet: `web-${hashOf('r/web:2.0')}`,
      template: template('r/web:2.0'),
      exact: true,
    });
  });

  it('goes to a given revision', () => {
    expect(undoTarget(rollout('r/web:3.0'), sets, 1)).toMatchObject({ revision: 1, exact: true });
  });

  it.each<[string, string, number | undefined, string]>([
    ['a revision not kept', 'r/web:3.0', 7, 'has no revision 7 (revisions kept: 1, 2, 3)'],
    [
      'the current revision',
      'r/web:3.0',
      3,
      `is already at revision 3 (${hashOf('r/web:3.0')}): nothing to undo`,
    ],
  ])('refuses %s', (_name, image, to, message) => {
    expect(() => undoTarget(rollout(image), sets, to)).toThrow(new PatchError(message));
  });

  it('refuses when there is no earlier revision', () => {
    expect(() => undoTarget(rollout('r/web:1.0'), [replicaSet('r/web:1.0', 1)], undefined)).toThrow(
      'has no earlier revision to go back to (revisions kept: 1)',
    );
  });
});
