package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
)

// ErrSchema is returned by Read for a file that is not a loadtest.result/v1 result.
var ErrSchema = errors.New("results: not a " + Schema + " file")

// ErrInvalid is wrapped by every error of Read and ReadFile that is about the content of a file
// (not JSON, another schema, a corrupt histogram): bad input, as opposed to a file that could
// not be opened.
var ErrInvalid = errors.New("results: invalid result file")

// FileError is an error of ReadFile: the file it names could not be read, or is not a valid
// result (then it also wraps ErrInvalid).
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return "result file " + e.Path + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// invalid marks err as a problem with a file's content; its message stays err's own.
type invalid struct{ err error }

func (e invalid) Error() string { return e.err.Error() }

func (e invalid) Unwrap() []error { return []error{e.err, ErrInvalid} }

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

// Read parses a result, checks its schema and decodes every histogram in it, so that a file
// that passes Read can be reported, merged and compared. Its errors wrap ErrInvalid and name
// the field at fault (e.g. `by_request["get"].histograms.latency`).
func Read(rd io.Reader) (*Result, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("results: read: %w", err)
	}
	return decode(data)
}

// ReadFile reads and checks the result file at path (see Read). Its errors are *FileError
// values naming the file; a missing file wraps fs.ErrNotExist, a bad one ErrInvalid.
func ReadFile(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in FileError already
		}
		return nil, &FileError{Path: path, Err: err}
	}
	r, err := decode(data)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return r, nil
}

func decode(data []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, invalid{jsonError(data, err)}
	}
	if r.Schema != Schema {
		return nil, invalid{fmt.Errorf("%w (schema %q)", ErrSchema, r.Schema)}
	}
	if err := checkHistograms(&r); err != nil {
		return nil, invalid{err}
	}
	return &r, nil
}

// jsonError says where in data a JSON error is, by line.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return errors.New("not valid JSON: the file is empty")
	case errors.As(err, &syn) && syn.Offset >= int64(len(data)):
		return fmt.Errorf("line %d: not valid JSON: the file ends before the result does (cut short?)", lineAt(data, syn.Offset))
	case errors.As(err, &syn):
		return fmt.Errorf("line %d: not valid JSON: %w", lineAt(data, syn.Offset), err)
	case errors.As(err, &typ):
		return fmt.Errorf("line %d: field %s: got a JSON %s, want %s", lineAt(data, typ.Offset), typ.Field, typ.Value, typ.Type)
	}
	return fmt.Errorf("not valid JSON: %w", err)
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

// checkHistograms decodes every histogram of r and names the first that does not decode.
func checkHistograms(r *Result) error {
	check := func(field, enc string) error {
		if _, err := DecodeHistogram(enc); err != nil {
			return fmt.Errorf("%s: corrupt histogram: %w", field, err)
		}
		return nil
	}
	if err := check("histograms.latency", r.Histograms.Latency); err != nil {
		return err
	}
	if err := check("histograms.service_time", r.Histograms.ServiceTime); err != nil {
		return err
	}
	names := make([]string, 0, len(r.ByRequest))
	for name := range r.ByRequest {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rs := r.ByRequest[name]
		if rs == nil {
			continue
		}
		if err := check(fmt.Sprintf("by_request[%q].histograms.latency", name), rs.Histograms.Latency); err != nil {
			return err
		}
		if err := check(fmt.Sprintf("by_request[%q].histograms.service_time", name), rs.Histograms.ServiceTime); err != nil {
			return err
		}
	}
	for i, s := range r.Timeline {
		if err := check(fmt.Sprintf("timeline[%d].latency_hist", i), s.Latency); err != nil {
			return err
		}
	}
	return checkFlowHistograms(r, check)
}
