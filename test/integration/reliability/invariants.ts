// The continuous invariant checker of the reliability tests: watches every Rollout and HTTPRoute
// of a namespace on the real apiserver (directly, never through a fault proxy), records every
// version it sees, checks each new version against the ones before as it arrives, and checks the
// whole observed sequence across objects (route against committed status, CDEvents against the
// outboxes) at the end. Apps follow test/support/canary-app.ts naming: route `<name>-route`,
// Services `<name>-stable` and `<name>-canary`.
import { Watch } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { CDEvent } from '../../../functions/core/cdevents/index.ts';
import { readRouteWeights } from '../../../functions/core/route-weights.ts';
import type { JsonObject, RolloutStatus } from '../../../functions/core/rollout/types.ts';
import type { TestKube } from '../../support/kube.ts';

interface Versioned {
  readonly metadata: {
    readonly name: string;
    readonly resourceVersion: string;
    readonly generation?: number;
    readonly uid: string;
    readonly annotations?: Record<string, string>;
  };
}
type RolloutObject = Versioned & { readonly status?: RolloutStatus };
type RouteObject = Versioned & JsonObject;

/** One version of an HTTPRoute: our canary weight and the fence that wrote it. */
interface RouteVersion {
  readonly resourceVersion: string;
  readonly stable: number | undefined;
  readonly canary: number | undefined;
  /** The transition in the fence annotation; undefined before KULTA wrote the route. */
  readonly fence: number | undefined;
}

const weightOf = (s: RolloutStatus): number => s.canary?.weights?.canary.weight ?? 0;
const inCanary = (s: RolloutStatus): boolean =>
  s.currentPodHash !== undefined && s.currentPodHash !== s.stableRS && s.abortedAt === undefined;

type Rule = (a: RolloutStatus, b: RolloutStatus) => string | undefined;

const num = (v: number | string | undefined): number => Number(v ?? 0);
const sameCanary = (a: RolloutStatus, b: RolloutStatus): boolean =>
  inCanary(a) && inCanary(b) && a.currentPodHash === b.currentPodHash && a.stableRS === b.stableRS;

/** Rules between two consecutive versions of one Rollout's status; each names what regressed. */
const regressionRules: readonly Rule[] = [
  (a, b) => (num(b.transition) < num(a.transition) ? 'transition went down' : undefined),
  (a, b) =>
    num(b.observedGeneration) < num(a.observedGeneration)
      ? 'observedGeneration went down'
      : undefined,
  (a, b) =>
    sameCanary(a, b) && num(b.currentStepIndex) < num(a.currentStepIndex)
      ? `currentStepIndex ${String(a.currentStepIndex)} → ${String(b.currentStepIndex)}`
      : undefined,
  (a, b) =>
    sameCanary(a, b) && weightOf(b) < weightOf(a)
      ? `committed canary weight ${String(weightOf(a))} → ${String(weightOf(b))}`
      : undefined,
  (a, b) =>
    a.abortedAt !== undefined &&
    b.abort === true &&
    b.currentPodHash === a.currentPodHash &&
    b.abortedAt !== a.abortedAt
      ? 'abortedAt changed while aborted'
      : undefined,
  (a, b) => {
    const before = new Map((a.history ?? []).map((h) => [h.transition, h]));
    const rewritten = (b.history ?? []).find((record) => {
      const old = before.get(record.transition);
      return old !== undefined && !isDeepStrictEqual(old, record);
    });
    return rewritten ? `history record ${String(rewritten.transition)} was rewritten` : undefined;
  },
];

/** Violations between two consecutive versions of one Rollout's status. */
export function statusRegressions(name: string, a: RolloutStatus, b: RolloutStatus): string[] {
  const at = `${name} (transition ${String(a.transition)} → ${String(b.transition)})`;
  return regressionRules
    .map((rule) => rule(a, b))
    .filter((v) => v !== undefined)
    .map((v) => `${at}: ${v}`);
}

/** Violations within one status version. */
export function statusFaults(name: string, s: RolloutStatus): string[] {
  const out: string[] = [];
  const w = s.canary?.weights;
  const at = `${name} (transition ${String(s.transition)})`;
  if (
    w &&
    (w.canary.weight < 0 || w.canary.weight > 100 || w.canary.weight + w.stable.weight !== 100)
  ) {
    out.push(`${at}: weights ${String(w.stable.weight)}/${String(w.canary.weight)}`);
  }
  if (s.abortedAt !== undefined && weightOf(s) !== 0) {
    out.push(`${at}: aborted with committed canary weight ${String(weightOf(s))}`);
  }
  return out;
}

interface FencedRoute {
  readonly route: RouteVersion;
  readonly status: RolloutStatus;
}

/** A route version against the status committed at its fence, and against the one before it. */
function routeAgainstStatus(current: FencedRoute, previous: FencedRoute | undefined): string[] {
  const { route, status } = current;
  const out: string[] = [];
  if (route.canary !== weightOf(status)) {
    out.push(`canary weight ${String(route.canary)}, committed ${String(weightOf(status))}`);
  }
  if (status.abortedAt !== undefined && route.canary !== 0) out.push('open after abort');
  if (!previous || (route.canary ?? 0) >= (previous.route.canary ?? 0)) return out;
  const allowed =
    status.abortedAt !== undefined ||
    status.stableRS === status.currentPodHash ||
    status.currentPodHash !== previous.status.currentPodHash;
  if (!allowed) {
    out.push(`weight went back ${String(previous.route.canary)} → ${String(route.canary)}`);
  }
  return out;
}

/**
 * The Rollout (`<namespace>/<name>`) a CDEvent tells about: customData.rollout, which every KULTA
 * event carries (subject.id names the rollout only for service and rollout events; a test suite
 * run or an incident has an id of its own).
 */
export function rolloutOf(event: CDEvent): string {
  const { namespace, name } = event.customData.rollout;
  return `${namespace}/${name}`;
}

/** The first copies of each rollout's CDEvents arrived in transition order. */
function orderViolations(firstCopies: readonly CDEvent[]): string[] {
  const out: string[] = [];
  const last = new Map<string, number>();
  for (const event of firstCopies) {
    const rollout = rolloutOf(event);
    if (event.customData.transition < (last.get(rollout) ?? 0)) {
      out.push(`CDEvent ${event.context.id} of ${rollout} arrived after a later transition's`);
    }
    last.set(rollout, event.customData.transition);
  }
  return out;
}

export interface CDEventCheck {
  /** Every copy the broker stand-in received, in arrival order. */
  readonly received: readonly CDEvent[];
}

export class InvariantWatcher {
  readonly violations: string[] = [];
  readonly statuses = new Map<string, RolloutStatus[]>();
  readonly routes = new Map<string, RouteVersion[]>();
  /** Every CDEvent seen in any outbox, by id (the first copy seen). */
  readonly outboxEvents = new Map<string, CDEvent>();
  /** Each status version that raised the transition counter, with its resourceVersion. */
  readonly transitions: { rollout: string; transition: number; resourceVersion: string }[] = [];
  /** The last resourceVersion seen of each Rollout (to wait until the watcher caught up). */
  readonly rolloutVersions = new Map<string, string>();
  readonly #kube: TestKube;
  readonly #namespace: string;
  readonly #controllers: AbortController[] = [];
  #stopped = false;

  constructor(kube: TestKube, namespace: string) {
    this.#kube = kube;
    this.#namespace = namespace;
  }

  /** Versions observed so far (Rollouts, routes). */
  get counts(): { rolloutVersions: number; routeVersions: number } {
    const sum = (m: Map<string, unknown[]>): number =>
      [...m.values()].reduce((n, v) => n + v.length, 0);
    return { rolloutVersions: sum(this.statuses), routeVersions: sum(this.routes) };
  }

  async start(): Promise<void> {
    const ns = this.#namespace;
    await Promise.all([
      this.#watch(`/apis/kulta.io/v1alpha1/namespaces/${ns}/rollouts`, (o) => {
        this.#onRollout(o);
      }),
      this.#watch(`/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`, (o) => {
        this.#onRoute(o);
      }),
    ]);
  }

  stop(): void {
    this.#stopped = true;
    for (const c of this.#controllers) c.abort();
  }

  /** Follows one collection from the last version seen, re-establishing a watch that ends. */
  async #watch(path: string, onObject: (o: RolloutObject & RouteObject) => void): Promise<void> {
    let resourceVersion: string | undefined;
    const begin = async (): Promise<void> => {
      const watch = new Watch(this.#kube.kc);
      const controller = await watch.watch(
        path,
        resourceVersion
          ? { resourceVersion, allowWatchBookmarks: true }
          : { allowWatchBookmarks: true },
        (phase: string, object: RolloutObject & RouteObject) => {
          resourceVersion = object.metadata.resourceVersion;
          if (phase === 'ADDED' || phase === 'MODIFIED') onObject(object);
        },
        () => {
          if (!this.#stopped) setTimeout(() => void begin(), 100);
        },
      );
      this.#controllers.push(controller);
    };
    await begin();
  }

  #onRollout(object: RolloutObject): void {
    const name = object.metadata.name;
    this.rolloutVersions.set(name, object.metadata.resourceVersion);
    const status = object.status ?? {};
    const seen = this.statuses.get(name) ?? [];
    const last = seen.at(-1);
    if (last && isDeepStrictEqual(last, status)) return;
    this.violations.push(...statusFaults(name, status));
    if (last) this.violations.push(...statusRegressions(name, last, status));
    if ((status.transition ?? 0) > (last?.transition ?? 0)) {
      const { resourceVersion } = object.metadata;
      this.transitions.push({ rollout: name, transition: status.transition ?? 0, resourceVersion });
    }
    this.#recordOutbox(name, status.outbox ?? []);
    seen.push(status);
    this.statuses.set(name, seen);
  }

  #recordOutbox(name: string, outbox: readonly CDEvent[]): void {
    for (const event of outbox) {
      const first = this.outboxEvents.get(event.context.id);
      if (!first) this.outboxEvents.set(event.context.id, event);
      else if (!isDeepStrictEqual(first, event)) {
        this.violations.push(`${name}: CDEvent ${event.context.id} changed between two outboxes`);
      }
    }
  }

  #onRoute(object: RouteObject): void {
    const name = object.metadata.name.replace(/-route$/, '');
    const weights = readRouteWeights(object, {
      stableService: `${name}-stable`,
      canaryService: `${name}-canary`,
    });
    const fenceValue = object.metadata.annotations?.[`fence.kulta.io/${this.#namespace}.${name}`];
    const version: RouteVersion = {
      resourceVersion: object.metadata.resourceVersion,
      stable: weights.stable,
      canary: weights.canary,
      fence: fenceValue === undefined ? undefined : Number(fenceValue.split('/')[1]),
    };
    const seen = this.routes.get(name) ?? [];
    const last = seen.at(-1);
    if (last?.resourceVersion === version.resourceVersion) return;
    if (last?.fence !== undefined && (version.fence ?? 0) < last.fence) {
      this.violations.push(
        `${name}-route: fence went down ${String(last.fence)} → ${String(version.fence)}`,
      );
    }
    if (!weights.consistent) this.violations.push(`${name}-route: rules disagree on our weights`);
    seen.push(version);
    this.routes.set(name, seen);
  }

  /** The committed status per transition number, checking that they agree on the weight. */
  #byTransition(name: string): Map<number, RolloutStatus> {
    const map = new Map<number, RolloutStatus>();
    for (const s of this.statuses.get(name) ?? []) {
      const t = s.transition ?? 0;
      const first = map.get(t);
      if (!first) map.set(t, s);
      else if (weightOf(first) !== weightOf(s) || first.abortedAt !== s.abortedAt) {
        this.violations.push(
          `${name}: two statuses with transition ${String(t)} disagree on traffic`,
        );
      }
    }
    return map;
  }

  /** Route against committed status: world = f(committed status), never backwards, never re-opened. */
  #routeViolations(name: string): string[] {
    const out: string[] = [];
    const committed = this.#byTransition(name);
    const fenced = (this.routes.get(name) ?? []).filter((r) => r.fence !== undefined);
    let previous: FencedRoute | undefined;
    for (const route of fenced) {
      const status = committed.get(route.fence ?? -1);
      const at = `${name}-route@${route.resourceVersion} (fence ${String(route.fence)})`;
      if (!status) {
        out.push(`${at}: no committed status has that transition`);
        continue;
      }
      const current = { route, status };
      out.push(...routeAgainstStatus(current, previous).map((v) => `${at}: ${v}`));
      previous = current;
    }
    return out;
  }

  /** CDEvents: each received copy identical to the recorded one, every recorded one received. */
  #eventViolations(check: CDEventCheck): string[] {
    const out: string[] = [];
    const firstArrival = new Map<string, CDEvent>();
    for (const event of check.received) {
      const id = event.context.id;
      const recorded = this.outboxEvents.get(id) ?? firstArrival.get(id);
      if (recorded && !isDeepStrictEqual(recorded, event)) {
        out.push(`CDEvent ${id} (${event.context.type}) arrived with another body than recorded`);
      }
      if (!firstArrival.has(id)) firstArrival.set(id, event);
    }
    for (const [id, event] of this.outboxEvents) {
      if (!firstArrival.has(id)) {
        out.push(`CDEvent ${id} (${event.context.type}, ${rolloutOf(event)}) never arrived`);
      }
    }
    return [...out, ...orderViolations([...firstArrival.values()])];
  }

  /**
   * Transitions no write of `ours` made: another KULTA instance reconciled these rollouts (on the
   * shared test bed, another test's runner watches every namespace). Such a run proves nothing
   * about the instances under test, and its CDEvents went nowhere (no K_SINK there).
   */
  foreignTransitions(ours: ReadonlySet<string>): string[] {
    return this.transitions
      .filter((t) => !ours.has(t.resourceVersion))
      .map(
        (t) =>
          `${t.rollout} transition ${String(t.transition)} (resourceVersion ${t.resourceVersion})`,
      );
  }

  /** Every violation over the whole observed sequence; empty when all invariants held. */
  verify(events?: CDEventCheck): string[] {
    const names = new Set([...this.statuses.keys(), ...this.routes.keys()]);
    const cross = [...names].flatMap((name) => this.#routeViolations(name));
    return [...this.violations, ...cross, ...(events ? this.#eventViolations(events) : [])];
  }
}
