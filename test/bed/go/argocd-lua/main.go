// Command argocd-lua runs KULTA's Argo CD resource customizations through Argo CD's own code, the
// way an Argo CD installation would: the argocd-cm ConfigMap is read from a real API server by
// Argo CD's SettingsManager (util/settings), the health check and actions are found and run by
// Argo CD's Lua VM (util/lua), and an action's output is written back as Argo CD's API server does
// (a JSON merge patch of live → new, its status part sent to the status subresource).
//
//	argocd-lua -kubeconfig K -argocd-namespace argocd health  <namespace>/<rollout>
//	argocd-lua -kubeconfig K -argocd-namespace argocd actions <namespace>/<rollout>
//	argocd-lua -kubeconfig K -argocd-namespace argocd run     <namespace>/<rollout> <action>
//
// Each prints one JSON document on stdout; errors go to stderr with exit code 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/argoproj/argo-cd/v3/util/lua"
	"github.com/argoproj/argo-cd/v3/util/settings"
	jsonpatch "github.com/evanphx/json-patch"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

var rollouts = schema.GroupVersionResource{Group: "kulta.io", Version: "v1alpha1", Resource: "rollouts"}

type harness struct {
	ctx       context.Context
	dynamic   dynamic.Interface
	overrides lua.VM
}

func newHarness(ctx context.Context, kubeconfig, argocdNamespace string) (*harness, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("reading kubeconfig %s: %w", kubeconfig, err)
	}
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	mgr := settings.NewSettingsManager(ctx, clientset, argocdNamespace)
	overrides, err := mgr.GetResourceOverrides()
	if err != nil {
		return nil, fmt.Errorf("argocd-cm in namespace %s: %w", argocdNamespace, err)
	}
	return &harness{ctx: ctx, dynamic: dyn, overrides: lua.VM{ResourceOverrides: overrides}}, nil
}

func (h *harness) read(ref string) (*unstructured.Unstructured, error) {
	namespace, name, ok := strings.Cut(ref, "/")
	if !ok {
		return nil, fmt.Errorf("rollout %q: expected <namespace>/<name>", ref)
	}
	return h.dynamic.Resource(rollouts).Namespace(namespace).Get(h.ctx, name, metav1.GetOptions{})
}

// health is what Argo CD's application controller does per resource (lua.ResourceHealthOverrides).
func (h *harness) health(obj *unstructured.Unstructured) (any, error) {
	result, err := lua.ResourceHealthOverrides(h.overrides.ResourceOverrides).GetResourceHealth(obj)
	if err != nil {
		return nil, err
	}
	if result == nil {
		return nil, errors.New("argocd-cm has no health check for kulta.io/Rollout")
	}
	return result, nil
}

// actions is what Argo CD's API server lists for a resource (ListResourceActions).
func (h *harness) actions(obj *unstructured.Unstructured) (any, error) {
	scripts, err := h.overrides.GetResourceActionDiscovery(obj)
	if err != nil {
		return nil, err
	}
	if len(scripts) == 0 {
		return nil, errors.New("argocd-cm has no actions for kulta.io/Rollout")
	}
	return h.overrides.ExecuteResourceActionDiscovery(obj, scripts)
}

// run is what Argo CD's API server does for RunResourceActionV2 with a patch operation.
func (h *harness) run(obj *unstructured.Unstructured, action string) (any, error) {
	definition, err := h.overrides.GetResourceAction(obj, action)
	if err != nil {
		return nil, err
	}
	impacted, err := h.overrides.ExecuteResourceAction(obj, definition.ActionLua, nil)
	if err != nil {
		return nil, err
	}
	live, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	patches := []map[string]any{}
	for _, r := range impacted {
		if r.K8SOperation != lua.PatchOperation {
			return nil, fmt.Errorf("action %s returned a %s operation; KULTA's actions only patch", action, r.K8SOperation)
		}
		applied, err := h.patch(obj, live, r.UnstructuredObj)
		if err != nil {
			return nil, err
		}
		patches = append(patches, applied...)
	}
	return map[string]any{"patches": patches}, nil
}

func (h *harness) patch(live *unstructured.Unstructured, liveBytes []byte, next *unstructured.Unstructured) ([]map[string]any, error) {
	nextBytes, err := json.Marshal(next.Object)
	if err != nil {
		return nil, err
	}
	diff, err := jsonpatch.CreateMergePatch(liveBytes, nextBytes)
	if err != nil {
		return nil, err
	}
	var whole map[string]any
	if err := json.Unmarshal(diff, &whole); err != nil {
		return nil, err
	}
	client := h.dynamic.Resource(rollouts).Namespace(live.GetNamespace())
	done := []map[string]any{}
	if status, ok := whole["status"]; ok {
		body, _ := json.Marshal(map[string]any{"status": status})
		if _, err := client.Patch(h.ctx, live.GetName(), types.MergePatchType, body, metav1.PatchOptions{}, "status"); err != nil {
			return nil, fmt.Errorf("patching status: %w", err)
		}
		done = append(done, map[string]any{"subresource": "status", "patch": map[string]any{"status": status}})
		delete(whole, "status")
	}
	if len(whole) > 0 {
		body, _ := json.Marshal(whole)
		if _, err := client.Patch(h.ctx, live.GetName(), types.MergePatchType, body, metav1.PatchOptions{}); err != nil {
			return nil, fmt.Errorf("patching: %w", err)
		}
		done = append(done, map[string]any{"subresource": "", "patch": whole})
	}
	return done, nil
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster holding argocd-cm and the Rollout")
	argocdNamespace := flag.String("argocd-namespace", "argocd", "namespace of argocd-cm")
	flag.Parse()
	args := flag.Args()
	if err := execute(*kubeconfig, *argocdNamespace, args); err != nil {
		fmt.Fprintln(os.Stderr, "argocd-lua:", err)
		os.Exit(1)
	}
}

func execute(kubeconfig, argocdNamespace string, args []string) error {
	if len(args) < 2 || (args[0] == "run" && len(args) != 3) {
		return errors.New("usage: argocd-lua -kubeconfig K health|actions <ns>/<name> | run <ns>/<name> <action>")
	}
	ctx := context.Background()
	h, err := newHarness(ctx, kubeconfig, argocdNamespace)
	if err != nil {
		return err
	}
	obj, err := h.read(args[1])
	if err != nil {
		return err
	}
	var out any
	switch args[0] {
	case "health":
		out, err = h.health(obj)
	case "actions":
		out, err = h.actions(obj)
	case "run":
		out, err = h.run(obj, args[2])
	default:
		err = fmt.Errorf("unknown command %q: health, actions or run", args[0])
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
