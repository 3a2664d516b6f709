package capacity

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ParseUSLCSV reads concurrency,throughput rows (codahale/usl's CSV). The first row may be
// a header (two fields, neither a number); blank lines and lines starting with # are
// skipped. Errors name the file (name) and line. It parses; reading the file is the caller's.
func ParseUSLCSV(r io.Reader, name string) ([]Point, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var pts []Point
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return nil, fmt.Errorf("%s:%d: want 2 fields (concurrency,throughput), got %d", name, line, len(rec))
		}
		n, errN := strconv.ParseFloat(strings.TrimSpace(rec[0]), 64)
		x, errX := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if first && errN != nil && errX != nil {
			continue // a header
		}
		switch {
		case errN != nil || math.IsNaN(n) || math.IsInf(n, 0):
			return nil, fmt.Errorf("%s:%d: concurrency %q: want a number", name, line, rec[0])
		case errX != nil || math.IsNaN(x) || math.IsInf(x, 0):
			return nil, fmt.Errorf("%s:%d: throughput %q: want a number", name, line, rec[1])
		case n < 1:
			return nil, fmt.Errorf("%s:%d: concurrency %s: must be 1 or more", name, line, rec[0])
		case x <= 0:
			return nil, fmt.Errorf("%s:%d: throughput %s: must be greater than 0", name, line, rec[1])
		}
		pts = append(pts, Point{Concurrency: n, Throughput: x})
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s: no measurements (want concurrency,throughput rows)", name)
	}
	return pts, nil
}
