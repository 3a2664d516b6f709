package har

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	for path, want := range map[string]string{
		"session.har": "session", "dir/shop.login.har": "shop.login", "noext": "noext",
		".har": "imported", "": "imported",
	} {
		if got := FileName(path); got != want {
			t.Errorf("FileName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestReadFile(t *testing.T) {
	im, err := ReadFile(filepath.Join("testdata", "redirect-login.har"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(im.YAML), "name: redirect-login\n") {
		t.Errorf("scenario not named after the file:\n%s", im.YAML)
	}
	im, err = ReadFile(filepath.Join("testdata", "redirect-login.har"), Options{Name: "given"})
	if err != nil || !strings.Contains(string(im.YAML), "name: given\n") {
		t.Errorf("ReadFile with a name: %v", err)
	}
	_, err = ReadFile(filepath.Join(t.TempDir(), "none.har"), Options{})
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Errorf("missing file: %v, want an *fs.PathError, not ErrInvalid", err)
	}
	if _, err = ReadFile(t.TempDir(), Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a directory: %v, want ErrInvalid (it opens but is no HAR file)", err)
	}
}
