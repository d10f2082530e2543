// Command gatewayapi is the Gateway API traffic-router plugin that `npm run bench` gives Argo
// Rollouts, so Argo shifts HTTPRoute weights as KULTA does. Argo's own plugin
// (github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi) is not served by the Go
// module proxy this project may use, so the bench carries this small one. It registers as
// "argoproj-labs/gatewayAPI", takes the same config (httpRoute | httpRoutes[].name, namespace),
// and makes the same API requests as that plugin for the calls a weight-only canary makes:
//
//   - SetWeight: per HTTPRoute, GET it, set the weight of every backendRef that names the
//     canary Service to w and of every one that names the stable Service to 100-w, PUT it back
//     (unconditionally, as that plugin does).
//   - RemoveManagedRoutes: GET (or create) the managed-routes ConfigMap and GET the route; no
//     write, since the bench uses no header routes.
//   - VerifyWeight: Verified without a request; UpdateHash, SetHeaderRoute, SetMirrorRoute: no-op.
//
// It reads the cluster from $KUBECONFIG (Argo starts plugins with its own environment).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	rolloutsPlugin "github.com/argoproj/argo-rollouts/rollout/trafficrouting/plugin/rpc"
	"github.com/argoproj/argo-rollouts/utils/plugin/types"
	goPlugin "github.com/hashicorp/go-plugin"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	pluginName = "argoproj-labs/gatewayAPI"
	// The ConfigMap the argoproj-labs plugin keeps its managed (header) routes in.
	managedRoutesConfigMap = "argo-gatewayapi-configmap"
)

var httpRoutes = schema.GroupVersionResource{
	Group:    "gateway.networking.k8s.io",
	Version:  "v1",
	Resource: "httproutes",
}

type routeRef struct {
	Name string `json:"name"`
}

type config struct {
	HTTPRoute  string     `json:"httpRoute"`
	HTTPRoutes []routeRef `json:"httpRoutes"`
	Namespace  string     `json:"namespace"`
}

type router struct {
	dynamic dynamic.Interface
	core    kubernetes.Interface
}

func fail(err error) types.RpcError {
	return types.RpcError{ErrorString: err.Error()}
}

func (r *router) InitPlugin() types.RpcError {
	rest, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		return fail(fmt.Errorf("%s plugin: KUBECONFIG: %w", pluginName, err))
	}
	if r.dynamic, err = dynamic.NewForConfig(rest); err != nil {
		return fail(err)
	}
	if r.core, err = kubernetes.NewForConfig(rest); err != nil {
		return fail(err)
	}
	return types.RpcError{}
}

func configOf(rollout *v1alpha1.Rollout) (config, []string, error) {
	var c config
	raw := rollout.Spec.Strategy.Canary.TrafficRouting.Plugins[pluginName]
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, nil, fmt.Errorf("trafficRouting.plugins[%q]: %w", pluginName, err)
	}
	if c.Namespace == "" {
		c.Namespace = rollout.Namespace
	}
	names := []string{}
	if c.HTTPRoute != "" {
		names = append(names, c.HTTPRoute)
	}
	for _, ref := range c.HTTPRoutes {
		names = append(names, ref.Name)
	}
	if len(names) == 0 {
		return c, nil, fmt.Errorf("trafficRouting.plugins[%q]: set httpRoute or httpRoutes", pluginName)
	}
	return c, names, nil
}

// setWeights sets the weights of the named backendRefs in every rule; it reports whether
// both Services were found.
func setWeights(route *unstructured.Unstructured, canary, stable string, weight int64) (bool, error) {
	rules, _, err := unstructured.NestedSlice(route.Object, "spec", "rules")
	if err != nil {
		return false, err
	}
	foundCanary, foundStable := false, false
	for _, rule := range rules {
		refs, _ := rule.(map[string]any)["backendRefs"].([]any)
		for _, ref := range refs {
			backend, _ := ref.(map[string]any)
			switch backend["name"] {
			case canary:
				backend["weight"] = weight
				foundCanary = true
			case stable:
				backend["weight"] = 100 - weight
				foundStable = true
			}
		}
	}
	return foundCanary && foundStable, unstructured.SetNestedSlice(route.Object, rules, "spec", "rules")
}

func (r *router) SetWeight(rollout *v1alpha1.Rollout, weight int32, _ []v1alpha1.WeightDestination) types.RpcError {
	c, names, err := configOf(rollout)
	if err != nil {
		return fail(err)
	}
	canary := rollout.Spec.Strategy.Canary
	client := r.dynamic.Resource(httpRoutes).Namespace(c.Namespace)
	ctx := context.Background()
	for _, name := range names {
		route, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fail(err)
		}
		found, err := setWeights(route, canary.CanaryService, canary.StableService, int64(weight))
		if err != nil {
			return fail(err)
		}
		if !found {
			return fail(fmt.Errorf("HTTPRoute %s/%s has no backendRefs for both %q and %q", c.Namespace, name, canary.CanaryService, canary.StableService))
		}
		if _, err := client.Update(ctx, route, metav1.UpdateOptions{}); err != nil {
			return fail(err)
		}
	}
	return types.RpcError{}
}

func (r *router) RemoveManagedRoutes(rollout *v1alpha1.Rollout) types.RpcError {
	c, names, err := configOf(rollout)
	if err != nil {
		return fail(err)
	}
	ctx := context.Background()
	maps := r.core.CoreV1().ConfigMaps(c.Namespace)
	if _, err := maps.Get(ctx, managedRoutesConfigMap, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: managedRoutesConfigMap}}
		if _, err := maps.Create(ctx, cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fail(err)
		}
	} else if err != nil {
		return fail(err)
	}
	for _, name := range names {
		if _, err := r.dynamic.Resource(httpRoutes).Namespace(c.Namespace).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return fail(err)
		}
	}
	return types.RpcError{}
}

func (r *router) VerifyWeight(*v1alpha1.Rollout, int32, []v1alpha1.WeightDestination) (types.RpcVerified, types.RpcError) {
	return types.Verified, types.RpcError{}
}

func (r *router) UpdateHash(*v1alpha1.Rollout, string, string, []v1alpha1.WeightDestination) types.RpcError {
	return types.RpcError{}
}

func (r *router) SetHeaderRoute(*v1alpha1.Rollout, *v1alpha1.SetHeaderRoute) types.RpcError {
	return types.RpcError{}
}

func (r *router) SetMirrorRoute(*v1alpha1.Rollout, *v1alpha1.SetMirrorRoute) types.RpcError {
	return types.RpcError{}
}

func (r *router) Type() string { return "GatewayAPI" }

func main() {
	goPlugin.Serve(&goPlugin.ServeConfig{
		HandshakeConfig: goPlugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   "ARGO_ROLLOUTS_RPC_PLUGIN",
			MagicCookieValue: "trafficrouter",
		},
		Plugins: map[string]goPlugin.Plugin{
			"RpcTrafficRouterPlugin": &rolloutsPlugin.RpcTrafficRouterPlugin{Impl: &router{}},
		},
	})
}
