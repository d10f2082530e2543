// The help texts: `kulta help`, `kulta help COMMAND`, `kulta COMMAND --help`.

const cluster = `Cluster options (every command that talks to the cluster):
  --kubeconfig PATH   kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
  --context NAME      kubeconfig context (default: the current context)
  -n, --namespace NS  namespace (default: the context's, then "default")
  --no-color          never colour (colours are used only on a terminal, and never with NO_COLOR)`;

const overview = `kulta — operate KULTA rollouts (also \`kubectl kulta\`)

Usage: kulta COMMAND [ARGS] [OPTIONS]

Look:
  get rollout NAME [-w] [-o json|yaml]   revisions, pods, steps, weights per route, pause, analysis
  list rollouts [-A] [-o json|yaml]      one line per rollout
  status NAME [--timeout 5m] [--watch=false]
                                         wait until Healthy (exit 0) or Degraded (exit 1)
Operate (the same patches as \`kubectl argo rollouts\`):
  promote NAME [--full]                  end a pause (or skip the current step); --full: all steps
  abort NAME                             traffic back to stable, canary scaled down
  retry NAME                             start an aborted canary again
  pause NAME / resume NAME               spec.paused true / false
  restart NAME                           replace every pod (spec.restartAt = now)
  set image NAME CONTAINER=IMAGE [...]   a new revision with this image (*=IMAGE: all containers)
  undo NAME [--to-revision N]            back to the previous (or given) revision's pod template
Offline:
  lint FILE...  [-o json]                the CRD schema and the controller's checks, no cluster
  convert FILE... [-o yaml|json]         Argo Rollouts manifests → kulta.io, listing what is unsupported
  version

Exit codes: 0 ok, 1 Degraded / problems found / refused, 2 usage, 3 status timed out,
4 the cluster or a file could not be read.

${cluster}

\`kulta help COMMAND\` shows one command.`;

const topics: Readonly<Record<string, string>> = {
  get: `kulta get rollout NAME [-w|--watch] [-o json|yaml]

Shows one Rollout: phase and message, the current step of n, the weights on each HTTPRoute it
names (and what status says it set), the pause countdown, the last analysis verdict with its
value, images, the steps with the current one marked, a tree of revisions → ReplicaSets → pods,
and the last transitions. -w redraws it every second until Ctrl-C. -o prints the read model as
data (the same JSON the dashboard reads). \`kulta get rollouts\` is \`kulta list rollouts\`.`,
  list: `kulta list rollouts [-A|--all-namespaces] [-o json|yaml]

One line per Rollout: name, strategy, phase, step i/n, canary weight, age, images. A phase marked
* is about the previous spec: the controller has not yet observed the newest one.`,
  status: `kulta status NAME [--timeout DURATION] [--watch=false]

Waits until the rollout is Healthy (exit 0) or Degraded (exit 1; an aborted rollout is Degraded),
printing "<phase> - <message>" whenever it changes. Paused and Progressing keep waiting, as
\`kubectl argo rollouts status\` does. A phase counts only once the controller has observed the
current spec, so \`kulta set image …; kulta status …\` waits for the new revision.
  -t, --timeout 5m    give up after this long: exit 3 (30, "30s", "5m", "1h"; 0 waits for ever)
  --watch=false       look once: exit 1 if Degraded, else 0`,
  promote: `kulta promote NAME [--full]

Ends a pause: clears status.pauseConditions (and spec.paused). A canary that is not paused skips
its current step (status.currentStepIndex + 1), as Argo's CLI does. --full sets
status.promoteFull: every remaining step, pause and analysis is skipped.`,
  abort: `kulta abort NAME\n\nSets status.abort: canary weight 0 on every route, then the canary scales down. Degraded until retried or a new revision is set.`,
  retry: `kulta retry NAME\n\nSets status.abort=false: an aborted canary starts again from the first step.`,
  pause: `kulta pause NAME\n\nSets spec.paused: the rollout stops where it is until \`kulta resume\` (or promote).`,
  resume: `kulta resume NAME\n\nSets spec.paused=false.`,
  restart: `kulta restart NAME\n\nSets spec.restartAt to now: pods created before it are replaced, maxUnavailable at a time.`,
  set: `kulta set image NAME CONTAINER=IMAGE [CONTAINER=IMAGE ...]

Changes container images in spec.template (containers, initContainers): a new revision. *=IMAGE
sets every container. Fails, naming the containers there are, when one is not found.`,
  undo: `kulta undo NAME [--to-revision N]

Copies the pod template of the previous revision's ReplicaSet (or revision N's, as listed by
\`kulta get rollout\`) into spec.template. Back to the stable revision during a canary is a
rollback: the canary goes away and traffic returns to stable.`,
  lint: `kulta lint FILE... [-o json]

Checks Rollouts, AnalysisTemplates, ClusterAnalysisTemplates and AnalysisRuns (kulta.io/v1alpha1,
multi-document YAML or JSON; - reads standard input) offline: the CRD schema from crds/ (types,
bounds, unknown fields, the refusals of unsupported Argo fields and the other CEL rules, in the
rules' own words), the controller's own checks, pod templates as the apiserver checks a
ReplicaSet's, and the analysis conditions. A kind of kulta.io or argoproj.io that KULTA does not
serve (an Experiment) is a problem; other kinds are skipped. Each problem names the document, the
field and the fix, once. Argo annotations KULTA does not act on are warnings. Exit 1 when
anything is wrong. KULTA_CRDS=DIR reads the CRDs from another folder.`,
  convert: `kulta convert FILE... [-o yaml|json]

Turns Argo Rollouts manifests (argoproj.io/v1alpha1 Rollout, AnalysisTemplate,
ClusterAnalysisTemplate, AnalysisRun) into KULTA's (kulta.io/v1alpha1): only the apiVersion value
changes, the rest of each file is written to standard output byte for byte (other kinds
unchanged), and standard error lists everything KULTA does not support, with its field path (the
converted documents are linted). Exit 0 when everything converted, 1 when anything is unsupported
or not YAML, 4 when a file cannot be read.`,
  version: 'kulta version\n\nPrints the version of kulta.',
};

export function helpText(topic: string | undefined): string {
  if (topic === undefined) return overview;
  const text = topics[topic];
  if (text === undefined) return overview;
  const offline = topic === 'lint' || topic === 'convert' || topic === 'version';
  return offline ? text : `${text}\n\n${cluster}`;
}
