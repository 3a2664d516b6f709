package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	failing := errors.New("disk full")
	tests := []struct {
		name    string
		old     string // "" = no file before
		write   func(io.Writer) error
		want    string
		wantErr error
	}{
		{name: "new file", write: writeString("new"), want: "new"},
		{name: "replaces", old: "old", write: writeString("new"), want: "new"},
		{name: "failed write keeps the old file", old: "old", wantErr: failing, want: "old",
			write: func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return failing }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "r.json")
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, tt.write)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if got := readFile(t, path); got != tt.want {
				t.Errorf("got %q in the file, want %q", got, tt.want)
			}
			if names := dirNames(t, dir); len(names) != 1 {
				t.Errorf("got files %v, want only r.json (no temporary file left)", names)
			}
		})
	}
}

// TestWriteNotVisibleUntilDone reads the target while the new content is being written: it
// still holds the old content.
func TestWriteNotVisibleUntilDone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	var during string
	err := Write(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "new")
		during = readFile(t, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if during != "old" || readFile(t, path) != "new" {
		t.Errorf("got %q during the write and %q after, want old then new", during, readFile(t, path))
	}
}

func TestWriteModes(t *testing.T) {
	dir := t.TempDir()
	fresh, kept := filepath.Join(dir, "fresh"), filepath.Join(dir, "kept")
	if err := os.WriteFile(kept, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fresh, kept} {
		if err := Write(p, writeString("x")); err != nil {
			t.Fatal(err)
		}
	}
	for p, want := range map[string]os.FileMode{fresh: newFileMode, kept: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: got mode %v, want %v", filepath.Base(p), got, want)
		}
	}
}

func TestWriteFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.json", link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := Write(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link.json is no longer a symbolic link (%v)", err)
	}
	if got := readFile(t, real); got != "new" {
		t.Errorf("got %q in real.json, want new", got)
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "base.json")
	if err := os.WriteFile(existing, []byte("baseline"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "existing file untouched", path: existing},
		{name: "new file", path: filepath.Join(dir, "r.json")},
		{name: "missing directory", path: filepath.Join(dir, "sub", "r.json"), wantErr: "no such file"},
		{name: "a directory", path: dir, wantErr: "is a directory"},
		{name: "below a file", path: filepath.Join(existing, "r.json"), wantErr: "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckWritable(tt.path)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got error %v, want %q", err, tt.wantErr)
			}
		})
	}
	if got := readFile(t, existing); got != "baseline" {
		t.Errorf("got %q in the existing file, want it untouched", got)
	}
	if names := dirNames(t, dir); strings.Join(names, " ") != "base.json" {
		t.Errorf("got files %v, want only base.json (no file, directory or temporary file created)", names)
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
