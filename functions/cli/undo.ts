// `undo`: the pod template of an earlier revision's ReplicaSet back into spec.template, as
// Argo's CLI does. The ReplicaSet holds the template as the apiserver stored it: with our
// revision label, the canary/stable pod metadata, and the API's defaults. Those are taken off
// again so the template hashes to the old revision, and the controller recognises it (back to
// the stable revision is a rollback, not a new rollout); the hash says whether that worked.
import { isObject, obj, str } from '../core/rollout/json-read.ts';
import { podTemplateHash } from '../core/rollout/hash.ts';
import { parseStatus } from '../core/rollout/parse.ts';
import type { Json, JsonObject } from '../core/rollout/types.ts';
import { hashLabel, revisionAnnotation } from '../view/build-detail.ts';
import { PatchError } from './patches.ts';

/** A ReplicaSet as plain JSON (metadata, spec.template). */
export type ReplicaSetJson = JsonObject;

export interface UndoTarget {
  readonly revision: number;
  readonly podTemplateHash: string;
  readonly replicaSet: string;
  readonly template: JsonObject;
  /** The template hashes to the revision's hash: the controller sees the old revision. */
  readonly exact: boolean;
}

const podDefaults: Readonly<Record<string, Json>> = {
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  schedulerName: 'default-scheduler',
  securityContext: {},
};

const containerDefaults: Readonly<Record<string, Json>> = {
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  resources: {},
};

function sameJson(a: Json | undefined, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function without(object: JsonObject, defaults: Readonly<Record<string, Json>>): JsonObject {
  return Object.fromEntries(
    Object.entries(object).filter(
      ([k, v]) => !(k in defaults) || !sameJson(v, defaults[k] ?? null),
    ),
  );
}

/** The kubelet's default pull policy: Always for :latest or no tag, else IfNotPresent. */
function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function containerWithoutDefaults(c: Json): Json {
  if (!isObject(c)) return c;
  const next = without(c, containerDefaults);
  if (next.imagePullPolicy === defaultPullPolicy(str(c.image) ?? '')) delete next.imagePullPolicy;
  if (Array.isArray(next.ports)) {
    next.ports = next.ports.map((p) =>
      isObject(p) && p.protocol === 'TCP' ? without(p, { protocol: 'TCP' }) : p,
    );
  }
  return next;
}

function withoutKeys(map: Json | undefined, remove: Readonly<Record<string, string>>): JsonObject {
  return Object.fromEntries(
    Object.entries(obj(map)).filter(([k, v]) => !(k in remove) || remove[k] !== v),
  );
}

function roleMetadata(spec: JsonObject): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const strategy = obj(spec.strategy);
  const sources = [
    obj(strategy.canary).canaryMetadata,
    obj(strategy.canary).stableMetadata,
    obj(strategy.blueGreen).previewMetadata,
    obj(strategy.blueGreen).activeMetadata,
  ].map(obj);
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const s of sources) {
    Object.assign(labels, obj(s.labels));
    Object.assign(annotations, obj(s.annotations));
  }
  return { labels, annotations };
}

/** The ReplicaSet's template with our metadata and the API's defaults taken off. */
export function templateFromReplicaSet(rs: ReplicaSetJson, rolloutSpec: JsonObject): JsonObject {
  const template = obj(obj(rs.spec).template);
  const extra = roleMetadata(rolloutSpec);
  const hash = str(obj(obj(rs.metadata).labels)[hashLabel]) ?? '';
  const metadata: JsonObject = { ...obj(template.metadata) };
  delete metadata.creationTimestamp;
  const labels = withoutKeys(metadata.labels, { ...extra.labels, [hashLabel]: hash });
  const annotations = withoutKeys(metadata.annotations, extra.annotations);
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  else delete metadata.labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const spec = without(obj(template.spec), podDefaults);
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (Array.isArray(list)) spec[key] = list.map(containerWithoutDefaults);
  }
  return { ...template, metadata, spec };
}

function revisionOf(rs: ReplicaSetJson): number {
  return Number(obj(obj(rs.metadata).annotations)[revisionAnnotation]) || 0;
}

function hashOf(rs: ReplicaSetJson): string {
  return str(obj(obj(rs.metadata).labels)[hashLabel]) ?? '';
}

function pick(
  sets: readonly ReplicaSetJson[],
  current: string | undefined,
  toRevision: number | undefined,
): ReplicaSetJson {
  const revisions = sets.map(revisionOf).sort((a, b) => a - b);
  const listed = revisions.length > 0 ? revisions.join(', ') : 'none';
  if (toRevision !== undefined) {
    const found = sets.find((rs) => revisionOf(rs) === toRevision);
    if (!found)
      throw new PatchError(`has no revision ${String(toRevision)} (revisions kept: ${listed})`);
    return found;
  }
  const currentRevision = Math.max(
    0,
    ...sets.filter((rs) => hashOf(rs) === current).map(revisionOf),
  );
  const earlier = sets
    .filter(
      (rs) => revisionOf(rs) < currentRevision || (currentRevision === 0 && hashOf(rs) !== current),
    )
    .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  if (!earlier)
    throw new PatchError(`has no earlier revision to go back to (revisions kept: ${listed})`);
  return earlier;
}

/** The revision to go back to (the previous one, or `toRevision`) and its template. */
export function undoTarget(
  rollout: JsonObject,
  sets: readonly ReplicaSetJson[],
  toRevision: number | undefined,
): UndoTarget {
  const status = parseStatus(rollout);
  const spec = obj(rollout.spec);
  const rs = pick(sets, status.currentPodHash, toRevision);
  const hash = hashOf(rs);
  if (
    hash === status.currentPodHash &&
    podTemplateHash(obj(spec.template), status.collisionCount ?? 0) === hash
  ) {
    throw new PatchError(
      `is already at revision ${String(revisionOf(rs))} (${hash}): nothing to undo`,
    );
  }
  const template = templateFromReplicaSet(rs, spec);
  return {
    revision: revisionOf(rs),
    podTemplateHash: hash,
    replicaSet: str(obj(rs.metadata).name) ?? '',
    template,
    exact: podTemplateHash(template, status.collisionCount ?? 0) === hash,
  };
}
