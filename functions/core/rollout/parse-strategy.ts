// Parses the strategies other than canary into the view every strategy shares (CanaryStrategy:
// stable ≙ active, canary ≙ preview) plus what only blue-green has.
import { int, intOrPercent, isObject, optionalInt, podMetadata, str } from './json-read.ts';
import { parseAnalysis } from './parse-analysis.ts';
import { parseRouting } from './parse-routing.ts';
import type { BlueGreenStrategy, CanaryStrategy, JsonObject, RolloutAnalysis } from './types.ts';

const bluePath = 'spec.strategy.blueGreen';

function analysisAt(bg: JsonObject, field: string, errors: string[]): RolloutAnalysis | undefined {
  const raw = bg[field];
  return isObject(raw) ? parseAnalysis(raw, `${bluePath}.${field}`, errors) : undefined;
}

function optionalCount(bg: JsonObject, field: string, errors: string[]): number | undefined {
  const value = bg[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    errors.push(`${bluePath}.${field} must be a whole number, 0 or more`);
    return undefined;
  }
  return value;
}

function blueGreenOnly(bg: JsonObject, errors: string[]): BlueGreenStrategy {
  const activeService = str(bg.activeService);
  const previewService = str(bg.previewService);
  if (!activeService) {
    errors.push(
      `${bluePath}.activeService is required: the Service that serves production traffic`,
    );
  }
  if (activeService && activeService === previewService) {
    errors.push(`${bluePath}: activeService and previewService must be different Services`);
  }
  const autoPromotionEnabled = bg.autoPromotionEnabled !== false;
  const autoPromotionSeconds = optionalCount(bg, 'autoPromotionSeconds', errors);
  if (!autoPromotionEnabled && autoPromotionSeconds !== undefined) {
    errors.push(
      `${bluePath}.autoPromotionSeconds has no effect with autoPromotionEnabled: false; remove one`,
    );
  }
  return {
    activeService: activeService ?? '',
    previewService,
    autoPromotionEnabled,
    autoPromotionSeconds,
    previewReplicaCount: optionalCount(bg, 'previewReplicaCount', errors),
    prePromotionAnalysis: analysisAt(bg, 'prePromotionAnalysis', errors),
    postPromotionAnalysis: analysisAt(bg, 'postPromotionAnalysis', errors),
  };
}

/** spec.strategy.blueGreen: its own fields, and the shared view of them. */
export function parseBlueGreen(
  bg: JsonObject,
  namespace: string,
  errors: string[],
): { blueGreen: BlueGreenStrategy; view: CanaryStrategy } {
  const blueGreen = blueGreenOnly(bg, errors);
  const trafficRouting = parseRouting(bg, namespace, errors, bluePath);
  if (trafficRouting && !blueGreen.previewService) {
    errors.push(
      `${bluePath}: trafficRouting needs previewService: the route switches from the active to the preview backend`,
    );
  }
  const view: CanaryStrategy = {
    stableService: blueGreen.activeService,
    canaryService: blueGreen.previewService,
    maxSurge: '25%',
    maxUnavailable: intOrPercent(bg.maxUnavailable, '25%'),
    scaleDownDelaySeconds: int(bg.scaleDownDelaySeconds, 30),
    scaleDownDelayRevisionLimit: optionalInt(bg.scaleDownDelayRevisionLimit),
    abortScaleDownDelaySeconds: int(bg.abortScaleDownDelaySeconds, 30),
    dynamicStableScale: false,
    replicaProgressThreshold: undefined,
    canaryMetadata: podMetadata(bg.previewMetadata),
    stableMetadata: podMetadata(bg.activeMetadata),
    trafficRouting,
    steps: [],
    analysis: undefined,
  };
  return { blueGreen, view };
}

/** spec.strategy.simple: a rolling update, as a canary without steps or routing. */
export function parseSimple(simple: JsonObject): CanaryStrategy {
  return {
    stableService: undefined,
    canaryService: undefined,
    maxSurge: intOrPercent(simple.maxSurge, '25%'),
    maxUnavailable: intOrPercent(simple.maxUnavailable, '25%'),
    scaleDownDelaySeconds: 0,
    scaleDownDelayRevisionLimit: undefined,
    abortScaleDownDelaySeconds: int(simple.abortScaleDownDelaySeconds, 30),
    dynamicStableScale: false,
    replicaProgressThreshold: undefined,
    canaryMetadata: { labels: {}, annotations: {} },
    stableMetadata: { labels: {}, annotations: {} },
    trafficRouting: undefined,
    steps: [],
    analysis: undefined,
  };
}
