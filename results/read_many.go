package results

import (
	"fmt"
	"io"
)

// ReadPath reads the result file at path, or stdin for "-". A file that cannot be read or is
// not a result is a *FileError.
func ReadPath(path string, stdin io.Reader) (*Result, error) {
	if path != "-" {
		return ReadFile(path)
	}
	r, err := Read(stdin)
	if err != nil {
		return nil, fmt.Errorf("result on standard input: %w", err)
	}
	return r, nil
}

// ReadMerged reads result files and, when there are several, merges them (MergeWith, the
// paths naming them in warnings; force merges what would be refused). A file that cannot be
// read is a *FileError; results that do not belong together are ErrMismatch.
func ReadMerged(paths []string, force bool) (*Result, error) {
	rs := make([]*Result, 0, len(paths))
	for _, p := range paths {
		r, err := ReadFile(p)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	if len(rs) == 1 {
		return rs[0], nil
	}
	return MergeWith(MergeOptions{Force: force, Names: paths}, rs...)
}

// ReadPair reads a baseline and a current result file (ReadPath: either may be "-", stdin).
func ReadPair(baseline, current string, stdin io.Reader) (base, cur *Result, err error) {
	if base, err = ReadPath(baseline, stdin); err != nil {
		return nil, nil, err
	}
	if cur, err = ReadPath(current, stdin); err != nil {
		return nil, nil, err
	}
	return base, cur, nil
}
