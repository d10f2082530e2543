// The checks the apiserver makes on a pod template when KULTA writes the ReplicaSet, which the
// Rollout's CRD schema cannot make (it types the template, it does not validate it): container
// and volume names, ports, resource quantities, restartPolicy, ephemeral containers, the volumes
// mounts name, env names.
import type { Problem } from './schema.ts';

type Json = Readonly<Record<string, unknown>>;

function record(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// IANA_SVC_NAME: 1-15 lowercase letters, digits and single inner dashes, at least one letter.
const SERVICE_NAME = /^(?=.*[a-z])[a-z0-9](?:-?[a-z0-9])*$/;
const QUANTITY =
  /^[+-]?(\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const MULTIPLIERS: ReadonlyMap<string, number> = new Map([
  ['n', 1e-9],
  ['u', 1e-6],
  ['m', 1e-3],
  ['k', 1e3],
  ['M', 1e6],
  ['G', 1e9],
  ['T', 1e12],
  ['P', 1e15],
  ['E', 1e18],
  ['Ki', 2 ** 10],
  ['Mi', 2 ** 20],
  ['Gi', 2 ** 30],
  ['Ti', 2 ** 40],
  ['Pi', 2 ** 50],
  ['Ei', 2 ** 60],
]);

/** A resource quantity's value ("500m" → 0.5, "1Gi" → 2^30), or undefined when it is not one. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !QUANTITY.test(value)) return undefined;
  const suffix = /(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)$/.exec(value)?.[0] ?? '';
  const number = Number(value.slice(0, value.length - suffix.length));
  if (suffix.startsWith('e') || suffix.startsWith('E'))
    return number * 10 ** Number(suffix.slice(1));
  return number * (MULTIPLIERS.get(suffix) ?? 1);
}

function dnsLabelProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'is required';
  if (name.length > 63) return `"${name}" is longer than 63 characters`;
  if (!DNS_LABEL.test(name)) {
    return `"${name}" is not a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit`;
  }
  return undefined;
}

class TemplateChecker {
  readonly problems: Problem[] = [];

  add(path: string, message: string | undefined): void {
    if (message !== undefined) this.problems.push({ path, message });
  }

  check(template: Json, path: string): void {
    const spec = record(template.spec);
    const at = `${path}.spec`;
    if (spec.ephemeralContainers !== undefined) {
      this.add(
        `${at}.ephemeralContainers`,
        'ephemeral containers are not allowed in a pod template (the apiserver refuses the ReplicaSet); add them to a running pod with kubectl debug',
      );
    }
    if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
      this.add(
        `${at}.restartPolicy`,
        `must be Always in a ReplicaSet's pod template (got ${JSON.stringify(spec.restartPolicy)}); remove it`,
      );
    }
    const volumes = this.volumes(list(spec.volumes), `${at}.volumes`);
    const names = new Map<string, string>();
    for (const field of ['initContainers', 'containers'] as const) {
      list(spec[field]).forEach((c, i) => {
        this.container(record(c), `${at}.${field}[${String(i)}]`, { names, volumes });
      });
    }
  }

  private volumes(items: readonly unknown[], path: string): ReadonlySet<string> {
    const seen = new Set<string>();
    items.forEach((v, i) => {
      const name = record(v).name;
      const where = `${path}[${String(i)}].name`;
      this.add(where, dnsLabelProblem(name));
      if (typeof name !== 'string') return;
      if (seen.has(name))
        this.add(where, `"${name}" is the name of an earlier volume; each must be unique`);
      seen.add(name);
    });
    return seen;
  }

  private container(
    c: Json,
    path: string,
    pod: { names: Map<string, string>; volumes: ReadonlySet<string> },
  ): void {
    const name = c.name;
    this.add(`${path}.name`, dnsLabelProblem(name));
    if (typeof name === 'string' && name !== '') {
      const earlier = pod.names.get(name);
      if (earlier !== undefined) {
        this.add(
          `${path}.name`,
          `"${name}" is also the name of ${earlier}; container names must be unique in a pod`,
        );
      }
      pod.names.set(name, path);
    }
    this.ports(list(c.ports), `${path}.ports`);
    this.resources(record(c.resources), `${path}.resources`);
    this.mounts(list(c.volumeMounts), `${path}.volumeMounts`, pod.volumes);
    list(c.env).forEach((e, i) => {
      const envName = record(e).name;
      if (typeof envName === 'string' && (envName === '' || envName.includes('='))) {
        this.add(
          `${path}.env[${String(i)}].name`,
          `${JSON.stringify(envName)} is not a valid environment variable name (it must be non-empty and must not contain "=")`,
        );
      }
    });
  }

  private ports(ports: readonly unknown[], path: string): void {
    const names = new Set<string>();
    ports.forEach((p, i) => {
      const port = record(p);
      const at = `${path}[${String(i)}]`;
      this.add(`${at}.containerPort`, portProblem(port.containerPort, true));
      if (port.hostPort !== undefined)
        this.add(`${at}.hostPort`, portProblem(port.hostPort, false));
      const name = port.name;
      if (typeof name !== 'string') return;
      if (name.length > 15 || !SERVICE_NAME.test(name)) {
        this.add(
          `${at}.name`,
          `"${name}" is not a port name: at most 15 lowercase letters, digits and single inner "-", with at least one letter`,
        );
      } else if (names.has(name)) {
        this.add(
          `${at}.name`,
          `"${name}" is the name of an earlier port of this container; each must be unique`,
        );
      }
      names.add(name);
    });
  }

  private resources(resources: Json, path: string): void {
    const values = new Map<string, number>();
    for (const kind of ['requests', 'limits'] as const) {
      for (const [resource, raw] of Object.entries(record(resources[kind]))) {
        const at = `${path}.${kind}[${JSON.stringify(resource)}]`;
        const value = parseQuantity(raw);
        if (value === undefined) {
          this.add(
            at,
            `${JSON.stringify(raw)} is not a quantity: write a number with an optional suffix, like "500m", "2", "128Mi" or "1Gi"`,
          );
        } else if (value < 0) {
          this.add(at, `${JSON.stringify(raw)} must not be negative`);
        } else if (kind === 'limits' && (values.get(resource) ?? 0) > value) {
          this.add(
            `${path}.requests[${JSON.stringify(resource)}]`,
            `must be at most the limit (${String(raw)})`,
          );
        } else {
          values.set(resource, value);
        }
      }
    }
  }

  private mounts(mounts: readonly unknown[], path: string, volumes: ReadonlySet<string>): void {
    // A mountPath used twice is the schema's (a list-map key); the volume it names is not.
    mounts.forEach((m, i) => {
      const name = record(m).name;
      if (typeof name === 'string' && !volumes.has(name)) {
        this.add(
          `${path}[${String(i)}].name`,
          `"${name}" is not a volume of this pod (volumes: ${[...volumes].join(', ') || 'none'})`,
        );
      }
    });
  }
}

function portProblem(port: unknown, required: boolean): string | undefined {
  if (port === undefined) return required ? 'is required' : undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return `${JSON.stringify(port)} is not a port: it must be between 1 and 65535`;
  }
  return undefined;
}

/** What the apiserver would refuse in `template` (at `path`, e.g. spec.template) when the RS is written. */
export function podTemplateProblems(template: unknown, path: string): Problem[] {
  const checker = new TemplateChecker();
  checker.check(record(template), path);
  return checker.problems;
}
