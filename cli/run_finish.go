package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/runner"
)

// finishRun writes the result file and the reports, then prints the summary (last, so that a
// closed or stuck stdout loses no file), and picks the exit code: 1 when the run failed, 130
// when interrupted, 99 when a threshold was breached (the gate's verdict), 1 when nothing
// succeeded and there were no thresholds; a coordinator's, 1 when a shard was lost unless a
// threshold failed; a shard's, see finishShard.
func finishRun(o *runOptions, oc *runner.Outcome, specs []reports.Spec, runErr error) error {
	if oc.Role == runner.RoleShard {
		return finishShard(o, oc, specs, runErr)
	}
	r := oc.Result
	err := errors.Join(writeOut(o.OutFile, r), reports.WriteFiles(specs, r, o.ErrOut), reports.Text(o.Out, r))
	switch {
	case runErr != nil:
		return errors.Join(runErr, err)
	case err != nil:
		return err
	case r.Interrupted:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted after %.1fs: the result is what was measured until then%s", r.DurationS, r.BreachedNote())}
	case oc.Verdict != nil:
		return &ExitError{Code: ExitThresholds, Err: oc.Verdict}
	case len(r.Thresholds) == 0 && r.Successes == 0:
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("no request succeeded (%s%s)", r.NoSuccess(), r.FirstError())}
	case len(oc.Lost) > 0:
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("shard(s) %s stopped reporting and were lost: the result keeps what they reported (see the shard_lost warning)", joinInts(oc.Lost))}
	}
	return nil
}

// finishShard ends a shard that is not the coordinator: exit 0 once its result was delivered
// (writing it to --out too, when given; 130 if it was itself interrupted); when the
// coordinator is gone it writes its own result and reports, and exits 1.
func finishShard(o *runOptions, oc *runner.Outcome, specs []reports.Spec, runErr error) error {
	r := oc.Result
	if oc.Undelivered == nil {
		err := writeOut(o.OutFile, r)
		fmt.Fprintf(o.ErrOut, "shard %d/%d: %d requests measured, result delivered to the coordinator at %s\n",
			r.Shard.Index, r.Shard.Count, r.Requests, oc.Coordinator)
		if err = errors.Join(runErr, err); err == nil && r.Interrupted {
			err = &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted after %.1fs: what this shard measured until then was delivered", r.DurationS)}
		}
		return err
	}
	own := *oc
	own.Role = runner.RoleSingle
	_ = finishRun(o, &own, specs, runErr)
	kept := "wrote its own result"
	if oc.KeptOwn != "" {
		kept += " to " + oc.KeptOwn
	}
	return &ExitError{Code: ExitFailure, Err: fmt.Errorf("shard %d/%d: %w; this shard stopped and %s", r.Shard.Index, r.Shard.Count, oc.Undelivered, kept)}
}

// finishDebug writes and prints a debug run as any run, then judges it: exit code 0 when every
// request and check passed, 99 when one failed (the verdict the default thresholds, errors<1%
// and checks>99%, give one iteration), 1 when it could not run.
func finishDebug(o *runOptions, r *results.Result, traceErr, runErr error) error {
	err := errors.Join(writeOut(o.OutFile, r), reports.Text(o.Out, r), traceErr)
	pass, verr := reports.DebugVerdict(o.ErrOut, r)
	switch {
	case runErr != nil || err != nil || verr != nil:
		return errors.Join(runErr, err, verr)
	case r.Interrupted:
		return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}
	case !pass:
		return &ExitError{Code: ExitThresholds}
	}
	return nil
}

// runError maps what runner.Run returned to the exit code's terms: bad input (runner's
// InputError) is a usage error; anything else keeps its own (an ExitError from finishRun,
// context.Canceled for 130, else 1).
func runError(err error) error {
	var ee *ExitError
	var ie *runner.InputError
	if err != nil && !errors.As(err, &ee) && errors.As(err, &ie) {
		return usageError(err)
	}
	return err
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// checkOut checks before a run or probe sends anything that its --out file can be written,
// without touching the file (results.CheckWritable): a bad path fails at once (bad input) and
// an old result, a CI baseline say, survives until the new one replaces it.
func checkOut(path string) error {
	if path == "" {
		return nil
	}
	if err := results.CheckWritable(path); err != nil {
		return usageError(fmt.Errorf("--out: %w", err))
	}
	return nil
}

// writeOut writes the result file of a run or probe atomically: beside its name, then renamed
// over it, so that a failure, a second Ctrl-C or a SIGKILL leaves the old file as it was.
func writeOut(path string, r *results.Result) error {
	if path == "" {
		return nil
	}
	if err := results.WriteFile(path, r); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}
