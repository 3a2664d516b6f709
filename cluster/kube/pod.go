package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// exitThresholds is loadtest run's exit code for breached thresholds.
const exitThresholds = 99

// PodOptions are one shard's container in the Indexed Job (`loadtest cluster pod`, the
// command of Spec.PodArgs).
type PodOptions struct {
	// Index is the pod's completion index: 0 coordinates on Coordinate, the others join
	// Coordinator (an empty one is left out).
	Index                   int
	Coordinate, Coordinator string
	// RunArgs are the shard's `loadtest run SCENARIO [flags]` arguments, "run" first.
	RunArgs []string
	// Run runs loadtest with args, its standard output to out, and returns its exit code
	// (the caller's command tree: this package does not know it).
	Run         func(ctx context.Context, args []string, out io.Writer) int
	Out, ErrOut io.Writer
}

// RunPod runs the shard of o.Index and returns the pod's exit code. Shard 0 writes its merged
// result to a temporary file and prints it between the markers cluster run reads
// (WriteResult), then its summary (cluster run prints its own from the result; kubectl logs
// still shows it). Another shard's 99 becomes 0: the verdict is shard 0's, on the merged
// result, and a failed pod would stop shard 0 (podFailurePolicy) before it printed it.
func RunPod(ctx context.Context, o PodOptions) (int, error) {
	args := append([]string(nil), o.RunArgs...)
	switch {
	case o.Index == 0 && o.Coordinate != "":
		args = append(args, "--coordinate", o.Coordinate)
	case o.Index > 0 && o.Coordinator != "":
		args = append(args, "--coordinator", o.Coordinator)
	}
	if o.Index > 0 {
		code := o.Run(ctx, args, o.Out)
		if code == exitThresholds {
			fmt.Fprintf(o.ErrOut, "shard %d: thresholds breached on this shard's share; the verdict is shard 0's, on the merged result\n", o.Index)
			code = 0
		}
		return code, nil
	}
	dir, err := os.MkdirTemp("", "loadtest-shard-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "result.json")
	var summary bytes.Buffer
	code := o.Run(ctx, append(args, "--out", out), &summary)
	data, _ := os.ReadFile(out) // none when the run wrote none (bad input)
	if werr := WriteResult(o.Out, code, data); werr != nil {
		fmt.Fprintf(o.ErrOut, "error: printing the result: %v\n", werr)
	}
	_, err = o.Out.Write(summary.Bytes())
	return code, err
}
