package scenarios

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
)

// feeder holds a CSV file's rows; hits that use {{ csv.COLUMN }} take the rows in file order,
// one per hit, starting over after the last.
type feeder struct {
	columns []string
	index   map[string]int
	rows    [][]string
	taken   atomic.Uint64
	// a shard takes only its own rows: first, first+stride, ..., own of them (stripe)
	first, stride, own uint64
}

// loadFeeder reads a CSV file whose first row names the columns.
func loadFeeder(path string) (*feeder, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readFeeder(f)
}

func readFeeder(r io.Reader) (*feeder, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty, want a header row naming the columns, then rows")
	}
	if err != nil {
		return nil, err
	}
	fd := &feeder{columns: header, index: make(map[string]int, len(header))}
	for i, name := range header {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		if _, dup := fd.index[name]; dup {
			return nil, fmt.Errorf("column %q appears twice in the header row", name)
		}
		fd.columns[i] = name
		fd.index[name] = i
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		fd.rows = append(fd.rows, row)
	}
	if len(fd.rows) == 0 {
		return nil, errors.New("the file has a header row but no rows")
	}
	fd.stride, fd.own = 1, uint64(len(fd.rows))
	return fd, nil
}

// next returns the next row in order, wrapping around (to the shard's first row); safe for
// concurrent use.
func (fd *feeder) next() []string {
	i := fd.taken.Add(1) - 1
	return fd.rows[fd.first+fd.stride*(i%fd.own)]
}
