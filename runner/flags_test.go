package runner

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/engine"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want engine.Shard
		err  string
	}{
		{"0/1", engine.Shard{Index: 0, Count: 1}, ""},
		{"2/3", engine.Shard{Index: 2, Count: 3}, ""},
		{" 1 / 4 ", engine.Shard{Index: 1, Count: 4}, ""},
		{"1023/1024", engine.Shard{Index: 1023, Count: 1024}, ""},
		{"3/3", engine.Shard{}, "--shard 3/3: index must be 0..2"},
		{"-1/3", engine.Shard{}, "index must be 0..2"},
		{"0/0", engine.Shard{}, "the count must be 1 to 1024"},
		{"0/1025", engine.Shard{}, "the count must be 1 to 1024"},
		{"1", engine.Shard{}, "want I/N"},
		{"a/b", engine.Shard{}, "want I/N"},
		{"", engine.Shard{}, "want I/N"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			switch {
			case tt.err == "" && (err != nil || got != tt.want):
				t.Errorf("got %+v, %v, want %+v", got, err, tt.want)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("got %v, want an error saying %q", err, tt.err)
			}
		})
	}
}

// FuzzParseShard: any input is a valid shard or an error saying --shard, never a panic.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "2/3", "3/3", "-1/2", "0/0", "1024/1024", " 1 / 4 ", "1/", "/3", "a/b", "9999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--shard ") {
				t.Errorf("ParseShard(%q) error %q does not name the flag", s, err)
			}
			return
		}
		if sh.Check() != nil || sh.Count < 1 {
			t.Errorf("ParseShard(%q) = %+v, not a valid shard", s, sh)
		}
	})
}

// FuzzCheckListenAddr: an accepted --metrics-listen splits into a host and a port of 0 to
// 65535; a rejected one gets an error that shows it.
func FuzzCheckListenAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:9464", ":9464", "[::1]:0", "localhost:65535", "9464", "127.0.0.1:70000", "127.0.0.1:-1", "[::1", "a:b:c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckListenAddr(s)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Errorf("CheckListenAddr(%q): error %q does not show the address", s, err)
			}
			return
		}
		_, port, serr := net.SplitHostPort(s)
		n, perr := strconv.Atoi(port)
		if serr != nil || perr != nil || n < 0 || n > 65535 {
			t.Errorf("CheckListenAddr(%q) accepted an address with port %q", s, port)
		}
	})
}
