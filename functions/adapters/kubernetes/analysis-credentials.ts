// Credentials and arguments of an AnalysisRun at measurement time: Secrets read once per visit,
// argument values resolved, and Prometheus authentication (bearer, basic, OAuth2) made from them.
import type { CoreV1Api } from '@kubernetes/client-node';
import { substituteHeaders } from '../../core/analysis/run.ts';
import type {
  AnalysisRunSpec,
  OAuth2Ref,
  PrometheusSource,
  SecretKeyRef,
} from '../../core/analysis/run-spec.ts';
import { OAuth2Error, clientCredentialsToken } from '../oauth2.ts';
import type { PrometheusConnection } from '../prometheus.ts';
import { classify, isNotFound } from './errors.ts';

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** A measurement that cannot be taken; it is recorded as an Error with this message. */
export class MeasurementProblem extends Error {
  override readonly name = 'MeasurementProblem';
}

/** A value read from a Secret, or why there is none (the measurement then is an Error). */
type SecretRead =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

export /** Arguments at measurement time: values, and why some Secret ones are missing. */
interface ResolvedArgs {
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly problems: ReadonlyMap<string, string>;
  readonly secretNames: ReadonlySet<string>;
}

/** Reads Secrets of one namespace once per visit. */
export class SecretCache {
  readonly #core: CoreV1Api;
  readonly #namespace: string;
  readonly #secrets = new Map<string, Promise<Readonly<Record<string, string>> | undefined>>();

  constructor(core: CoreV1Api, namespace: string) {
    this.#core = core;
    this.#namespace = namespace;
  }

  async read(ref: SecretKeyRef): Promise<SecretRead> {
    const data = await this.#data(ref.name);
    const where = `Secret ${this.#namespace}/${ref.name}`;
    if (data === undefined) return { ok: false, message: `${where} not found` };
    const encoded = data[ref.key];
    if (encoded === undefined) return { ok: false, message: `${where} has no key "${ref.key}"` };
    return { ok: true, value: Buffer.from(encoded, 'base64').toString('utf8') };
  }

  #data(name: string): Promise<Readonly<Record<string, string>> | undefined> {
    let pending = this.#secrets.get(name);
    if (pending === undefined) {
      pending = this.#core.readNamespacedSecret({ name, namespace: this.#namespace }).then(
        (secret) => secret.data ?? {},
        (error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw classify(error, `reading Secret ${this.#namespace}/${name}`);
        },
      );
      this.#secrets.set(name, pending);
    }
    return pending;
  }
}

export async function resolveArgs(
  spec: AnalysisRunSpec,
  secrets: SecretCache,
): Promise<ResolvedArgs> {
  const values: Record<string, string | undefined> = {};
  const problems = new Map<string, string>();
  const secretNames = new Set<string>();
  for (const arg of spec.args) {
    if (arg.secretKeyRef === undefined) {
      values[arg.name] = arg.value;
      continue;
    }
    secretNames.add(arg.name);
    const read = await secrets.read(arg.secretKeyRef);
    if (read.ok) values[arg.name] = read.value;
    else problems.set(arg.name, read.message);
  }
  return { values, problems, secretNames };
}

export async function authFor(
  prometheus: PrometheusSource,
  input: { readonly secrets: SecretCache; readonly args: ResolvedArgs },
  fetchImpl: FetchLike | undefined,
): Promise<PrometheusConnection['auth']> {
  const auth = prometheus.auth;
  if (auth === undefined) return undefined;
  const { secrets } = input;
  switch (auth.kind) {
    case 'bearer':
      return { bearerToken: valueOf(await secrets.read(auth.secretKeyRef)) };
    case 'basic': {
      const ref = (key: string): SecretKeyRef => ({ name: auth.secretName, key });
      const username = valueOf(await secrets.read(ref('username')));
      const password = valueOf(await secrets.read(ref('password')));
      return { username, password };
    }
    case 'oauth2':
      return { bearerToken: await oauth2Token(auth, prometheus, input.args, fetchImpl) };
  }
}

/** A token from the OAuth2 endpoint, the client secret substituted from its (Secret) argument. */
async function oauth2Token(
  auth: OAuth2Ref,
  prometheus: PrometheusSource,
  args: ResolvedArgs,
  fetchImpl: FetchLike | undefined,
): Promise<string> {
  const values = substituteHeaders(
    [
      { key: 'clientId', value: auth.clientId },
      { key: 'clientSecret', value: auth.clientSecret },
    ],
    args.values,
  );
  try {
    return await clientCredentialsToken(
      { ...auth, clientId: values.clientId ?? '', clientSecret: values.clientSecret ?? '' },
      { timeoutMs: prometheus.timeoutMs ?? 10_000, ...(fetchImpl ? { fetch: fetchImpl } : {}) },
    );
  } catch (error) {
    if (!(error instanceof OAuth2Error)) throw error;
    throw new MeasurementProblem(`authentication.oauth2: ${error.message}`, { cause: error });
  }
}

function valueOf(read: SecretRead): string {
  if (!read.ok) throw new MeasurementProblem(`authentication: ${read.message}`);
  return read.value;
}
