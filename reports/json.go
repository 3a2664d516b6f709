package reports

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/loadtestdev/loadtest/results"
)

// JSON writes the result itself (schema loadtest.result/v1), indented or on one line.
func JSON(w io.Writer, r *results.Result, compact bool) error {
	if !compact {
		return results.Write(w, r)
	}
	out := *r
	if out.Schema == "" {
		out.Schema = results.Schema
	}
	b, err := json.Marshal(&out)
	if err != nil {
		return fmt.Errorf("reports: json: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("reports: json: %w", err)
	}
	return nil
}
