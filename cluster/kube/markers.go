package kube

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The merged result leaves shard 0 in its log, between two marker lines:
//
//	loadtest-result-begin exit=CODE bytes=N sha256=HEX
//	loadtest-result: BASE64 (of the gzipped result file, 76 characters a line)
//	loadtest-result-end
//
// A log is the one channel that needs nothing more than pods/log get, outlives the
// container (it is kept until the pod is deleted) and can be followed while the run goes on.
// Every line of the block carries the prefix, so a line from stderr written in between is
// told apart; the checksum catches a log cut by the kubelet's rotation.
const (
	markerBegin = "loadtest-result-begin"
	markerLine  = "loadtest-result: "
	markerEnd   = "loadtest-result-end"
)

// PodResult is what shard 0 reported: the run's exit code and the merged result file (empty
// when the run wrote none, e.g. on bad input).
type PodResult struct {
	ExitCode int
	Result   []byte
}

// WriteResult writes the marker block of a run that exited with code and wrote result.
func WriteResult(w io.Writer, code int, result []byte) error {
	sum := sha256.Sum256(result)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(result)
	if err := zw.Close(); err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(zipped.Bytes())
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s exit=%d bytes=%d sha256=%s\n", markerBegin, code, len(result), hex.EncodeToString(sum[:]))
	for len(enc) > 0 {
		n := min(76, len(enc))
		fmt.Fprintf(bw, "%s%s\n", markerLine, enc[:n])
		enc = enc[n:]
	}
	fmt.Fprintln(bw, markerEnd)
	return bw.Flush()
}

// ErrNoResult says that a log ended without a complete result block.
var ErrNoResult = errors.New("kube: the coordinator's log has no result (it ended before the run did)")

// ReadResult reads a log, passes every line that is not part of a result block to other
// (when not nil), calls found (when not nil) after each complete block, and returns the last
// complete result block.
func ReadResult(r io.Reader, other func(line string), onBlock func()) (*PodResult, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	var (
		found        *PodResult
		inBlock      bool
		code, size   int
		sum          string
		enc          strings.Builder
		lastBlockErr error
	)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, markerBegin+" "):
			var err error
			code, size, sum, err = parseBegin(line)
			inBlock, lastBlockErr = err == nil, err
			enc.Reset()
		case inBlock && strings.HasPrefix(line, markerLine):
			enc.WriteString(strings.TrimPrefix(line, markerLine))
		case inBlock && line == markerEnd:
			inBlock = false
			data, err := decodeBlock(enc.String(), size, sum)
			if err != nil {
				lastBlockErr = err
				continue
			}
			found, lastBlockErr = &PodResult{ExitCode: code, Result: data}, nil
			if onBlock != nil {
				onBlock()
			}
		default:
			if other != nil {
				other(line)
			}
		}
	}
	if err := sc.Err(); err != nil && found == nil {
		return nil, fmt.Errorf("kube: reading the coordinator's log: %w", err)
	}
	if found == nil {
		if lastBlockErr != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoResult, lastBlockErr)
		}
		return nil, ErrNoResult
	}
	return found, nil
}

func parseBegin(line string) (code, size int, sum string, err error) {
	fields := strings.Fields(strings.TrimPrefix(line, markerBegin))
	vals := map[string]string{}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		vals[k] = v
	}
	code, err1 := strconv.Atoi(vals["exit"])
	size, err2 := strconv.Atoi(vals["bytes"])
	if err := errors.Join(err1, err2); err != nil || len(vals["sha256"]) != 64 {
		return 0, 0, "", fmt.Errorf("kube: bad result marker %q", line)
	}
	return code, size, vals["sha256"], nil
}

func decodeBlock(enc string, size int, sum string) ([]byte, error) {
	zipped, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("kube: result block: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		return nil, fmt.Errorf("kube: result block: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, int64(size)+1))
	if err != nil {
		return nil, fmt.Errorf("kube: result block: %w", err)
	}
	got := sha256.Sum256(data)
	if len(data) != size || hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("kube: result block: %d bytes with another checksum, want %d bytes (the log was cut)", len(data), size)
	}
	return data, nil
}
