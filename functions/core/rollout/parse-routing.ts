// Parses trafficRouting: KULTA routes only through the Gateway API plugin's HTTPRoutes.
import { isObject, obj, str } from './json-read.ts';
import {
  headerRoutingErrors,
  parseHeaderRoutedRoutes,
  parseManagedRoutes,
} from './parse-header-routes.ts';
import type { GatewayApiRouting, JsonObject } from './types.ts';

export const gatewayApiPlugin = 'argoproj-labs/gatewayAPI';
const canaryPath = 'spec.strategy.canary';

/** `strategy` is the strategy object holding trafficRouting; `path` its field path. */
export function parseRouting(
  strategy: JsonObject,
  namespace: string,
  errors: string[],
  path = canaryPath,
): GatewayApiRouting | undefined {
  const noHeaderRoutes = { managedRoutes: [], headerRoutes: [] };
  if (!isObject(strategy.trafficRouting)) {
    errors.push(...headerRoutingErrors(strategy, path, noHeaderRoutes, false));
    return undefined;
  }
  const plugins = obj(strategy.trafficRouting.plugins);
  const others = Object.keys(strategy.trafficRouting).filter(
    (k) => k !== 'plugins' && k !== 'managedRoutes',
  );
  const otherPlugins = Object.keys(plugins).filter((k) => k !== gatewayApiPlugin);
  if (others.length > 0 || otherPlugins.length > 0) {
    const names = [...others, ...otherPlugins.map((p) => `plugins["${p}"]`)].join(', ');
    errors.push(
      `${path}.trafficRouting: ${names} not supported; KULTA routes traffic only ` +
        `through plugins["${gatewayApiPlugin}"] (Gateway API HTTPRoutes)`,
    );
  }
  const plugin = plugins[gatewayApiPlugin];
  if (!isObject(plugin)) {
    errors.push(`${path}.trafficRouting.plugins["${gatewayApiPlugin}"] is required`);
    return undefined;
  }
  const single = str(plugin.httpRoute);
  const many = Array.isArray(plugin.httpRoutes)
    ? plugin.httpRoutes.map((r) => str(obj(r).name)).filter((n) => n !== undefined)
    : [];
  const httpRoutes = single ? [single, ...many] : many;
  if (httpRoutes.length === 0) {
    errors.push(
      `${path}.trafficRouting.plugins["${gatewayApiPlugin}"] needs httpRoute or httpRoutes`,
    );
  }
  const headers = parseHeaderRouting(strategy.trafficRouting, plugin, path, errors);
  errors.push(...headerRoutingErrors(strategy, path, headers, true));
  return {
    namespace: str(plugin.namespace) ?? namespace,
    httpRoutes: [...new Set(httpRoutes)],
    ...headers,
    inProgressLabel: parseInProgressLabel(plugin),
  };
}

/** Argo's plugin defaults: rollouts.argoproj.io/gatewayapi-canary=in-progress, unless disabled. */
export const defaultInProgressLabel = {
  key: 'rollouts.argoproj.io/gatewayapi-canary',
  value: 'in-progress',
} as const;

function parseInProgressLabel(plugin: JsonObject): GatewayApiRouting['inProgressLabel'] {
  if (plugin.disableInProgressLabel === true) return undefined;
  return {
    key: str(plugin.inProgressLabelKey) ?? defaultInProgressLabel.key,
    value: str(plugin.inProgressLabelValue) ?? defaultInProgressLabel.value,
  };
}

/** managedRoutes (only a canary has the steps that use them) and the routes taking them. */
function parseHeaderRouting(
  routing: JsonObject,
  plugin: JsonObject,
  path: string,
  errors: string[],
): Pick<GatewayApiRouting, 'managedRoutes' | 'headerRoutes'> {
  const managedRoutes = parseManagedRoutes(routing, `${path}.trafficRouting`, errors);
  if (managedRoutes.length > 0 && path !== canaryPath) {
    errors.push(
      `${path}.trafficRouting.managedRoutes: header routes belong to canary steps (setHeaderRoute); remove managedRoutes`,
    );
  }
  const pluginPath = `${path}.trafficRouting.plugins["${gatewayApiPlugin}"]`;
  return { managedRoutes, headerRoutes: parseHeaderRoutedRoutes(plugin, pluginPath, errors) };
}
