// The cluster the CLI talks to, as kubectl finds it: --kubeconfig, else $KUBECONFIG, else
// ~/.kube/config, else the pod's service account; --context, else the current context;
// -n, else the context's namespace, else "default".
import { PooledKubeConfig } from '../adapters/kubernetes/kubeconfig.ts';
import { viewClients, type ViewClients } from '../view/rollout-detail.ts';
import { UsageError, type ClusterOptions } from './args.ts';

export interface Cluster {
  readonly clients: ViewClients;
  readonly namespace: string;
  /** Where the configuration came from, for messages. */
  readonly source: string;
}

function load(options: ClusterOptions): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    const where = options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `cannot read the kubeconfig ${where}: ${reason}; pass --kubeconfig PATH or set KUBECONFIG`,
    );
  }
  return kc;
}

export function connect(options: ClusterOptions): Cluster {
  const kc = load(options);
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) {
      const known =
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none';
      throw new UsageError(
        `context "${options.context}" is not in the kubeconfig (contexts: ${known})`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new UsageError(
      'the kubeconfig names no cluster for its current context; pass --context NAME or --kubeconfig PATH',
    );
  }
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return {
    clients: viewClients(kc),
    namespace: options.namespace ?? contextNamespace ?? 'default',
    source: `context ${kc.getCurrentContext()}`,
  };
}
