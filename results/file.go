package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrSchema is returned by Read for a file that is not a loadtest.result/v1 result.
var ErrSchema = errors.New("results: not a " + Schema + " file")

// Write writes r as indented JSON.
func Write(w io.Writer, r *Result) error {
	if r.Schema == "" {
		r.Schema = Schema
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("results: write: %w", err)
	}
	return nil
}

// Read parses a result file and checks its schema.
func Read(rd io.Reader) (*Result, error) {
	var r Result
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("results: read: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("%w (schema %q)", ErrSchema, r.Schema)
	}
	return &r, nil
}
