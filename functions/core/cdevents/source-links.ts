// Source links: where a revision came from (commit, repository, CI run), read from annotations.
//
// Keys (set by CI on the Rollout or, better, on its pod template so they change with the revision):
//   kulta.io/git-commit       the commit the image was built from, e.g. a full SHA
//   kulta.io/git-repository   the repository URL, e.g. https://github.com/org/app
//   kulta.io/pipeline-run     the CI run that built or deployed it (URL or id)
// A pod-template annotation wins over the same key on the Rollout's metadata, because the template
// belongs to the revision while Rollout metadata may be stale from an earlier revision. Values are
// trimmed; empty values count as absent. The links travel in every event's customData.sourceLinks.

export const SOURCE_LINK_ANNOTATIONS = {
  gitCommit: 'kulta.io/git-commit',
  gitRepository: 'kulta.io/git-repository',
  pipelineRun: 'kulta.io/pipeline-run',
} as const;

/** Where the revision came from; every field optional. */
export interface SourceLinks {
  readonly gitCommit?: string;
  readonly gitRepository?: string;
  readonly pipelineRun?: string;
}

export type AnnotationMap = Readonly<Record<string, string | undefined>> | undefined;

export interface SourceLinkAnnotations {
  /** `metadata.annotations` of the Rollout. */
  readonly rollout?: AnnotationMap;
  /** `spec.template.metadata.annotations` of the Rollout (the revision's pod template). */
  readonly podTemplate?: AnnotationMap;
}

function present(map: AnnotationMap, key: string): string | undefined {
  const value = map?.[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Reads the kulta.io source-link annotations; the pod template wins over the Rollout. */
export function extractSourceLinks(annotations: SourceLinkAnnotations): SourceLinks {
  const links: Record<string, string> = {};
  for (const [field, key] of Object.entries(SOURCE_LINK_ANNOTATIONS)) {
    const value = present(annotations.podTemplate, key) ?? present(annotations.rollout, key);
    if (value !== undefined) links[field] = value;
  }
  return links;
}
