// The Go-built tools that run beside the test bed's control plane: Prometheus (the analysis
// tests, the real bed's metrics) and Traefik (the real bed's Gateway). Each comes from a wrapper
// module under test/bed/go that pins its version, is cached by that version like the control
// plane's binaries, and is built with Go on first use.
import { componentVersion, ensureGoBinary, type GoComponent, type Progress } from './assets.ts';

/**
 * Prometheus v3 (module `github.com/prometheus/prometheus` v0.3MM.P is Prometheus 3.MM.P).
 * Built with upstream's `remove_all_sd` tag plus `enable_kubernetes_sd`: the static, file and
 * HTTP discovery always stay, Kubernetes discovery is kept for the bed, and the cloud SDKs
 * (AWS, Azure, GCE, …) are left out. The web UI's assets are not embedded (no `builtinassets`);
 * the HTTP API, which is all KULTA and the tests use, is complete.
 */
export const prometheusComponent: GoComponent = {
  name: 'prometheus',
  wrapper: 'prometheus',
  module: 'github.com/prometheus/prometheus',
  binaries: ['prometheus', 'promtool'],
  packages: [
    'github.com/prometheus/prometheus/cmd/prometheus',
    'github.com/prometheus/prometheus/cmd/promtool',
  ],
  tags: ['remove_all_sd', 'enable_kubernetes_sd'],
  stamp: (version) => {
    const v = 'github.com/prometheus/common/version';
    return [
      `-X ${v}.Version=${prometheusRelease(version)}`,
      `-X ${v}.Revision=${version}`,
      `-X ${v}.Branch=module`,
      `-X ${v}.BuildUser=kulta-testbed`,
    ];
  },
};

/** Traefik v3 (the real bed's Gateway API data plane), with its version stamped. */
export const traefikComponent: GoComponent = {
  name: 'traefik',
  wrapper: 'traefik',
  module: 'github.com/traefik/traefik/v3',
  binaries: ['traefik'],
  packages: ['github.com/traefik/traefik/v3/cmd/traefik'],
  stamp: (version) => [`-X github.com/traefik/traefik/v3/pkg/version.Version=${version}`],
};

/** Prometheus' release number for its Go module version: v0.316.0 → 3.16.0. */
export function prometheusRelease(moduleVersion: string): string {
  const match = /^v0\.(\d)(\d\d)\.(\d+)$/.exec(moduleVersion);
  if (!match) {
    throw new Error(
      `test/bed/go/prometheus/go.mod: ${moduleVersion} is not a Prometheus v0.MNN.P module version`,
    );
  }
  const [, major = '', minor = '', patch = ''] = match;
  return `${major}.${String(Number(minor))}.${patch}`;
}

/** Paths of the Prometheus binaries. */
export interface PrometheusBinaries {
  readonly prometheus: string;
  readonly promtool: string;
}

/**
 * The Prometheus binaries: `$PROMETHEUS_BINARY` and `$PROMTOOL_BINARY` when both are set, else
 * the cached build of test/bed/go/prometheus, building it (minutes, cold) when missing.
 */
export async function ensurePrometheus(progress: Progress): Promise<PrometheusBinaries> {
  const prometheusEnv = process.env.PROMETHEUS_BINARY;
  const promtoolEnv = process.env.PROMTOOL_BINARY;
  if (prometheusEnv && promtoolEnv) {
    return { prometheus: prometheusEnv, promtool: promtoolEnv };
  }
  const prometheus = await ensureGoBinary(prometheusComponent, 'prometheus', progress);
  const promtool = await ensureGoBinary(prometheusComponent, 'promtool', progress);
  return { prometheus, promtool };
}

/**
 * The cached Traefik binary and its version, built on first use (6.5 min cold on an idle 2-core
 * machine; 37 min measured here under a load average of ~20). The real bed configures and runs it.
 */
export async function ensureTraefik(
  progress: Progress,
): Promise<{ readonly traefik: string; readonly version: string }> {
  const traefik = await ensureGoBinary(traefikComponent, 'traefik', progress);
  return { traefik, version: componentVersion(traefikComponent.wrapper, traefikComponent.module) };
}
