package results

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadPath(t *testing.T) {
	r, _ := knownResult(t, "echo", 0, 2, 10, time.Millisecond)
	path := writeResultFile(t, r)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path string
		stdin      string
		want       string // in the error; "" for none
	}{
		{"file", path, "", ""},
		{"stdin", "-", string(data), ""},
		{"bad stdin", "-", "{", "result on standard input: "},
		{"missing file", filepath.Join(t.TempDir(), "nope.json"), "", "nope.json: no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadPath(c.path, strings.NewReader(c.stdin))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case c.want == "" && got.Requests != r.Requests:
				t.Errorf("got %d requests, want %d", got.Requests, r.Requests)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}

func TestReadPair(t *testing.T) {
	r1, _ := knownResult(t, "echo", 0, 2, 10, time.Millisecond)
	r2, _ := knownResult(t, "echo", 0, 2, 20, time.Millisecond)
	p1, p2 := writeResultFile(t, r1), writeResultFile(t, r2)
	data, err := os.ReadFile(p2)
	if err != nil {
		t.Fatal(err)
	}
	base, cur, err := ReadPair(p1, "-", bytes.NewReader(data))
	if err != nil || base.Requests != r1.Requests || cur.Requests != r2.Requests {
		t.Fatalf("ReadPair: %v; want %d and %d requests", err, r1.Requests, r2.Requests)
	}
	missing := filepath.Join(t.TempDir(), "nope.json")
	if _, _, err := ReadPair(missing, p2, nil); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing baseline: %v", err)
	}
	if _, _, err := ReadPair(p1, missing, nil); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing current: %v", err)
	}
}

func TestReadMerged(t *testing.T) {
	a, _ := knownResult(t, "echo", 0, 2, 10, time.Millisecond)
	b, _ := knownResult(t, "echo", 0, 2, 30, time.Millisecond)
	pa, pb := writeResultFile(t, a), writeResultFile(t, b)
	one, err := ReadMerged([]string{pa}, false)
	if err != nil || one.Requests != a.Requests {
		t.Fatalf("one file: got %v, %v", one, err)
	}
	both, err := ReadMerged([]string{pa, pb}, false)
	if err != nil {
		t.Fatal(err)
	}
	if both.Requests != a.Requests+b.Requests {
		t.Errorf("merged %d requests, want %d + %d", both.Requests, a.Requests, b.Requests)
	}
	var buf bytes.Buffer
	other, _ := knownResult(t, "cache", 0, 2, 10, time.Millisecond)
	if err := Write(&buf, other); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMerged([]string{pa, writeBytes(t, buf.Bytes())}, false); !errors.Is(err, ErrMismatch) {
		t.Errorf("another scenario: got %v, want ErrMismatch", err)
	}
	_, err = ReadMerged([]string{pa, filepath.Join(t.TempDir(), "nope.json")}, false)
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Errorf("a missing file: got %T %v, want a *FileError", err, err)
	}
}
