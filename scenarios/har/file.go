package har

import (
	"os"
	"path/filepath"
	"strings"
)

// ReadFile imports the HAR file at path (Read), the scenario named after the file
// (session.har: session) unless o.Name is given. A file that cannot be opened is an
// *fs.PathError, as os.Open returns it.
func ReadFile(path string, o Options) (*Import, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if o.Name == "" {
		o.Name = FileName(path)
	}
	return Read(path, f, o)
}

// FileName names a scenario after its HAR file: session.har -> session ("imported" when
// the path has no name).
func FileName(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if name == "" || name == "." {
		return "imported"
	}
	return name
}
