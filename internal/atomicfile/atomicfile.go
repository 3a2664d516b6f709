// Package atomicfile writes files so that a reader, or a process killed halfway, finds the old
// content or the new one, never a part: the new content goes to a temporary file beside the
// target, which is synced and renamed over it. The result file (results.WriteFile) and every
// report (reports.WriteFile) are written this way.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// newFileMode is the mode of a file that did not exist before; a replaced file keeps its own.
const newFileMode fs.FileMode = 0o644

// CheckWritable reports whether path can be written by Write, without touching path itself:
// it refuses a directory as path, and creates and removes a temporary file beside path. Like
// Write it creates no directory: a missing one is an error.
func CheckWritable(path string) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	if st, err := os.Stat(target); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory, want a file name", path)
	}
	f, err := os.CreateTemp(filepath.Dir(target), tempPattern(target))
	if err != nil {
		return err
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

// Write writes what write produces to path atomically: into a temporary file in path's
// directory, synced to disk, then renamed over path. When write or any step fails, path is
// left as it was and the temporary file is removed. A symbolic link at path is followed, so
// the file it points to is replaced, not the link.
func Write(path string, write func(w io.Writer) error) (err error) {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	mode := newFileMode
	if st, err := os.Stat(target); err == nil {
		if st.IsDir() {
			return fmt.Errorf("%s is a directory, want a file name", path)
		}
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(target), tempPattern(target))
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	// Without the sync a crash soon after the rename can leave an empty file under path.
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), target); err != nil {
		return err
	}
	renamed = true
	return nil
}

// resolve follows symbolic links at path to the file they name (which may not exist yet).
func resolve(path string) (string, error) {
	for range maxLinks {
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// maxLinks is how many symbolic links resolve follows, as Linux's open(2) does.
const maxLinks = 40

// tempPattern names temporary files after their target, hidden, so that a leftover (after a
// SIGKILL in the middle of a write) says what it was: ".r.json.tmp123456".
func tempPattern(target string) string { return "." + filepath.Base(target) + ".tmp*" }
