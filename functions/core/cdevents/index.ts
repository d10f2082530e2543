// CDEvents (spec v0.5.1) that KULTA emits: typed, pure builders and their CloudEvent form.
//
// What is emitted (DESIGN.md §6):
//   service.deployed      first revision of a Rollout became stable
//   service.upgraded      a new revision was fully promoted
//   service.rolledback    an abort finished: traffic is back on the stable revision
//   service.removed       the Rollout was deleted
//   incident.detected     analysis failure/error or progress deadline exceeded
//   testsuiterun.started / testsuiterun.finished   an AnalysisRun started / reached a verdict
//   dev.cdeventsx.kulta-rollout.{stepstarted,weightchanged,paused,resumed,promoted,aborted}.0.1.0
//                         step-level progress as spec-conformant custom events (progress-events.ts)
// Field rules: no subject.type (gone in 0.5); subject.id of service and progress events is
// "<namespace>/<rollout>"; environment.id is the caller's (stable per cluster + namespace);
// artifactId is the canonical OCI purl of the revision's image (purl.ts); ids are UUIDv5 of
// (rollout uid, transition counter, type[, key]) and chainId of (rollout uid, pod-template hash)
// (ids.ts); timestamp is the caller's and never changes on resend. Every event carries
// customData (application/json) with the rollout, transition counter, revision and source links
// (kulta.io/git-commit, kulta.io/git-repository, kulta.io/pipeline-run; source-links.ts).
// Embedded links: TRIGGER relation to links.triggerEventId, PATH from links.previousEventId, and
// END on the events that close a revision's chain (service.deployed/upgraded/rolledback/removed).
// Builders throw CDEventInputError on unusable input and InvalidImageReferenceError on an image
// that is no container image reference.
export * from './types.ts';
export * from './ids.ts';
export * from './purl.ts';
export * from './source-links.ts';
export * from './service-events.ts';
export * from './analysis-events.ts';
export * from './progress-events.ts';
export * from './cloudevent.ts';
export { serviceId } from './envelope.ts';
