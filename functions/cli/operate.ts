// The operator commands on the API: read the Rollout where the patch depends on it, then send
// the status patch (status subresource) and the spec patch as JSON merge patches, as Argo's CLI.
import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { obj, str } from '../core/rollout/json-read.ts';
import type { JsonObject } from '../core/rollout/types.ts';
import {
  readRollout,
  RolloutNotFoundError,
  rolloutApi,
  type ViewClients,
} from '../view/rollout-detail.ts';
import type { Command, PatchAction } from './args.ts';
import {
  actionPatches,
  PatchError,
  promotePatches,
  setImagePatch,
  type NothingToDo,
  type RolloutPatches,
} from './patches.ts';
import { undoTarget } from './undo.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** The API refused a write: the message names the Rollout, the reason, and the fix. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
}

function apiMessage(error: ApiException<unknown>): string {
  const body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return body;
    }
  }
  return error.message;
}

/** Converts a failed write into a message that says what to do about it. */
function explain(error: unknown, namespace: string, name: string, what: string): Error {
  if (!(error instanceof ApiException))
    return error instanceof Error ? error : new Error(String(error));
  const ref = `Rollout ${namespace}/${name}`;
  const reason = apiMessage(error);
  switch (error.code) {
    case 404:
      return new RolloutNotFoundError(namespace, name, { cause: error });
    case 409:
      return new OperationError(`${ref} changed while ${what}; run the command again`, {
        cause: error,
      });
    case 401:
    case 403:
      return new OperationError(
        `${ref}: not allowed to ${what} (${reason}); you need patch on rollouts and rollouts/status in ${namespace}`,
        { cause: error },
      );
    case 422:
    case 400:
      return new OperationError(`${ref}: the API refused ${what}: ${reason}`, { cause: error });
    default:
      return new OperationError(`${ref}: ${what} failed: ${reason}`, { cause: error });
  }
}

export async function applyPatches(
  clients: ViewClients,
  ref: { readonly namespace: string; readonly name: string },
  patches: RolloutPatches,
): Promise<void> {
  const target = { ...rolloutApi, ...ref };
  try {
    if (patches.status) {
      await clients.custom.patchNamespacedCustomObjectStatus(
        { ...target, body: { status: patches.status } },
        mergePatch,
      );
    }
    if (patches.spec) {
      const metadata = patches.resourceVersion
        ? { metadata: { resourceVersion: patches.resourceVersion } }
        : {};
      await clients.custom.patchNamespacedCustomObject(
        { ...target, body: { ...metadata, spec: patches.spec } },
        mergePatch,
      );
    }
  } catch (error) {
    throw explain(error, ref.namespace, ref.name, 'patching it');
  }
}

async function ownedReplicaSets(
  clients: ViewClients,
  namespace: string,
  rollout: JsonObject,
): Promise<JsonObject[]> {
  const uid = str(obj(rollout.metadata).uid) ?? '';
  const list = await clients.apps.listNamespacedReplicaSet({ namespace });
  const owned = list.items.filter((rs: V1ReplicaSet) =>
    rs.metadata?.ownerReferences?.some((o) => o.uid === uid && o.controller === true),
  );
  // Plain JSON, as the API sent it (client-node's models use the wire's field names).
  return JSON.parse(JSON.stringify(owned)) as JsonObject[];
}

async function undo(
  clients: ViewClients,
  namespace: string,
  name: string,
  toRevision: number | undefined,
) {
  const rollout = await readRollout(clients, namespace, name);
  const target = undoTarget(
    rollout,
    await ownedReplicaSets(clients, namespace, rollout),
    toRevision,
  );
  const resourceVersion = str(obj(rollout.metadata).resourceVersion) ?? '';
  try {
    await clients.custom.patchNamespacedCustomObject(
      {
        ...rolloutApi,
        namespace,
        name,
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
          { op: 'replace', path: '/spec/template', value: target.template },
        ],
      },
      jsonPatch,
    );
  } catch (error) {
    throw explain(error, namespace, name, 'writing spec.template');
  }
  const note = target.exact
    ? ''
    : ' (the template differs from what that revision was made from, e.g. by API defaults: it rolls out as a new revision with the same pods)';
  return `rolled back to revision ${String(target.revision)} (${target.podTemplateHash})${note}`;
}

async function setImage(
  clients: ViewClients,
  namespace: string,
  name: string,
  images: Extract<Command, { kind: 'setImage' }>['images'],
) {
  // The container lists are replaced whole: re-read and retry if someone wrote in between.
  for (let attempt = 0; ; attempt += 1) {
    const patches = setImagePatch(await readRollout(clients, namespace, name), images);
    if ('nothing' in patches) return patches;
    try {
      await applyPatches(clients, { namespace, name }, patches);
      return patches;
    } catch (error) {
      if (
        !(error instanceof OperationError) ||
        !error.message.includes('changed while') ||
        attempt >= 3
      )
        throw error;
    }
  }
}

async function patchOnce(
  clients: ViewClients,
  namespace: string,
  name: string,
  patches: RolloutPatches | NothingToDo,
) {
  if (!('nothing' in patches)) await applyPatches(clients, { namespace, name }, patches);
  return patches;
}

export type OperatorCommand = Extract<
  Command,
  { kind: 'promote' | 'setImage' | 'undo' | PatchAction }
>;

/** Runs one operator command; returns the line to print ("Rollout shop/web promoted …"). */
export async function operate(
  clients: ViewClients,
  namespace: string,
  command: OperatorCommand,
  now: Date,
): Promise<string> {
  const ref = `Rollout ${namespace}/${command.name}`;
  try {
    let result: RolloutPatches | NothingToDo;
    switch (command.kind) {
      case 'promote':
        result = await patchOnce(
          clients,
          namespace,
          command.name,
          promotePatches(await readRollout(clients, namespace, command.name), command.full),
        );
        break;
      case 'setImage':
        result = await setImage(clients, namespace, command.name, command.images);
        break;
      case 'undo':
        return `${ref} ${await undo(clients, namespace, command.name, command.toRevision)}`;
      case 'abort':
      case 'retry':
      case 'pause':
      case 'resume':
      case 'restart':
        result = await patchOnce(
          clients,
          namespace,
          command.name,
          actionPatches(command.kind, now),
        );
    }
    return 'nothing' in result ? `${ref} unchanged: ${result.nothing}` : `${ref} ${result.done}`;
  } catch (error) {
    if (error instanceof PatchError)
      throw new OperationError(`${ref} ${error.message}`, { cause: error });
    throw error;
  }
}
