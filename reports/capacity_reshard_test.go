package reports

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/internal/golden"
)

// TestWriteReshard renders a resharding of 100,000 keys from 4 to 5 nodes under every
// scheme: modulo moves exactly 80,000 keys (4/5), the others about 20,000.
func TestWriteReshard(t *testing.T) {
	priced, err := capacity.PlanReshard(context.Background(), capacity.ReshardInput{Keys: 100_000, From: 4, To: 5,
		Schemes: capacity.Schemes, VirtualNodes: 160, BytesPerKey: 2048, CopyRate: 100e6})
	if err != nil {
		t.Fatal(err)
	}
	keysOnly, err := capacity.PlanReshard(context.Background(), capacity.ReshardInput{Keys: 1000, From: 1, To: 2,
		Schemes: []capacity.Scheme{capacity.SchemeModulo, capacity.SchemeJump}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		golden, format string
		r              capacity.Reshard
	}{
		{"reshard.txt", FormatText, priced},
		{"reshard.md", FormatMarkdown, priced},
		{"reshard.json", FormatJSON, priced},
		{"reshard-keys-only.txt", FormatText, keysOnly},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReshard(&buf, tt.format, tt.r); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.golden), buf.Bytes())
		})
	}
	if err := WriteReshard(&bytes.Buffer{}, "xml", priced); !errors.Is(err, ErrFormat) {
		t.Errorf("format xml: got %v, want ErrFormat", err)
	}
}

func TestFormatReshardUnits(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{formatDecimalBytes(0), "0 B"},
		{formatDecimalBytes(999), "999 B"},
		{formatDecimalBytes(1000), "1 kB"},
		{formatDecimalBytes(163_840_000), "163.84 MB"},
		{formatDecimalBytes(8e12), "8 TB"},
		{formatCopyTime(1.6384), "1.638 s"},
		{formatCopyTime(8000), "2h13m20s"},
		{formatCopyTime(59.5), "59.5 s"},
		{formatPercent2(0.8), "80.00%"},
		{formatBalance(capacity.Balance{Largest: 25_000, Mean: 20_000, Ratio: 1.25}), "1.250 (25,000 max)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
