// Command kstatus prints what sigs.k8s.io/cli-utils/pkg/kstatus/status (the library behind
// `kubectl wait`-style tooling, Flux's health checks and kpt/cli-utils appliers) computes for the
// objects it is given. The test bed reads real Rollouts from the API server and pipes them in:
// one JSON object per line on stdin, one JSON verdict per line on stdout
// ({"status":"Current|InProgress|Failed|Terminating|NotFound|Unknown","message":...,"conditions":[...]}).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type verdict struct {
	Status     status.Status      `json:"status"`
	Message    string             `json:"message"`
	Conditions []status.Condition `json:"conditions"`
	Error      string             `json:"error,omitempty"`
}

func compute(line []byte) verdict {
	// Unstructured's own decoding, as a client reads an object: integers stay int64.
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(line); err != nil {
		return verdict{Error: fmt.Sprintf("input is not a Kubernetes object: %v", err)}
	}
	result, err := status.Compute(obj)
	if err != nil {
		return verdict{Error: err.Error()}
	}
	return verdict{Status: result.Status, Message: result.Message, Conditions: result.Conditions}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<20), 16<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		if len(in.Bytes()) == 0 {
			continue
		}
		if err := out.Encode(compute(in.Bytes())); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
