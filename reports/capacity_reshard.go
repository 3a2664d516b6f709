package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/loadtestdev/loadtest/capacity"
)

// WriteReshard writes a priced resharding (capacity.PlanReshard) as a text or Markdown
// table, one row per scheme, or as JSON.
func WriteReshard(w io.Writer, format string, r capacity.Reshard) error {
	switch format {
	case FormatJSON:
		return writeReshardJSON(w, r)
	case FormatText, FormatMarkdown:
		md := format == FormatMarkdown
		e := &errWriter{w: w}
		if md {
			e.printf("## Resharding\n\n%s\n\n", reshardHeadline(r.Input))
		} else {
			e.printf("capacity reshard: %s\n", reshardHeadline(r.Input))
		}
		header, aligns := reshardHeader(r.Input)
		e.table(header, reshardRows(r), aligns, md)
		if md {
			e.printf("\n")
		}
		e.printf("%s\n", reshardNotes(r))
		return e.err
	}
	return fmt.Errorf("%w %q for a resharding (allowed: text, json, md)", ErrFormat, format)
}

// reshardHeadline says what was placed: "1,000,000 keys from 4 to 5 nodes, 1 kB per key,
// copied at 100 MB/s".
func reshardHeadline(in capacity.ReshardInput) string {
	s := fmt.Sprintf("%s keys from %d to %d nodes", formatCount(in.Keys), in.From, in.To)
	if in.BytesPerKey > 0 {
		s += ", " + formatDecimalBytes(in.BytesPerKey) + " per key"
	}
	if in.CopyRate > 0 {
		s += ", copied at " + formatDecimalBytes(in.CopyRate) + "/s"
	}
	return s
}

func reshardHeader(in capacity.ReshardInput) ([]string, string) {
	header := []string{"scheme", "keys moved", "moved", "expected"}
	aligns := "lrrr"
	if in.BytesPerKey > 0 {
		header, aligns = append(header, "data moved"), aligns+"r"
		if in.CopyRate > 0 {
			header, aligns = append(header, "copy time"), aligns+"r"
		}
	}
	return append(header, "balance before", "balance after"), aligns + "rr"
}

func reshardRows(r capacity.Reshard) [][]string {
	rows := make([][]string, 0, len(r.Results))
	for _, s := range r.Results {
		row := []string{reshardSchemeName(s), formatCount(s.MovedKeys), formatPercent2(s.MovedShare), formatPercent2(s.ExpectedMovedShare)}
		if r.Input.BytesPerKey > 0 {
			row = append(row, formatDecimalBytes(s.MovedBytes))
			if r.Input.CopyRate > 0 {
				row = append(row, formatCopyTime(s.CopySeconds))
			}
		}
		rows = append(rows, append(row, formatBalance(s.Before), formatBalance(s.After)))
	}
	return rows
}

func reshardSchemeName(s capacity.SchemeReshard) string {
	switch s.Scheme {
	case capacity.SchemeModulo:
		return "mod (id % N)"
	case capacity.SchemeConsistent:
		if s.VirtualNodes == 1 {
			return "consistent (1 vnode)"
		}
		return fmt.Sprintf("consistent (%d vnodes)", s.VirtualNodes)
	}
	return string(s.Scheme)
}

// reshardNotes explains the columns, with the least any scheme can move.
func reshardNotes(r capacity.Reshard) string {
	in := r.Input
	return fmt.Sprintf(`moved: keys whose node changes, counted key by key (ids 1..%s; mod places the id itself,
  the others xxHash64 of its digits). The least any scheme can move is |%d − %d| / %d = %s.
expected: the scheme's model: mod 1 − min(A,B) / lcm(A,B); consistent the share of the ring's
  hash space that changes owner; jump and rendezvous |B − A| / max(A,B).
balance: the largest node's keys ÷ the mean (1 is even; the fullest node fills first).`,
		formatCount(in.Keys), in.To, in.From, max(in.From, in.To), formatPercent2(r.IdealMovedShare))
}

// formatPercent2 prints a ratio as a percentage to two decimals (80.00%).
func formatPercent2(ratio float64) string { return fixed(ratio*100, 2) + "%" }

// formatBalance prints a balance as "1.042 (10,420 max)".
func formatBalance(b capacity.Balance) string {
	return fixed(b.Ratio, 3) + " (" + formatCount(b.Largest) + " max)"
}

// formatDecimalBytes prints bytes in decimal units (B, kB, MB, GB, TB, PB), as disks and
// network rates are sold: 800 MB, 1.5 GB.
func formatDecimalBytes(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(math.Round(n), 'f', -1, 64) + " B"
	}
	return trimZeros(fixed(n, 2)) + " " + units[i]
}

// formatCopyTime prints a copy time: seconds below a minute, else hours, minutes and
// seconds (2h13m20s).
func formatCopyTime(s float64) string {
	if s < 60 {
		return formatTimeS(s)
	}
	if s > float64(math.MaxInt64/int64(time.Second)) {
		return formatGrouped(s, 0) + " s"
	}
	return (time.Duration(math.Round(s)) * time.Second).String()
}

type reshardBalanceJSON struct {
	Nodes    int     `json:"nodes"`
	Largest  uint64  `json:"largest"`
	Smallest uint64  `json:"smallest"`
	Mean     float64 `json:"mean"`
	Ratio    float64 `json:"ratio"`
}

type reshardSchemeJSON struct {
	Scheme             string             `json:"scheme"`
	VirtualNodes       int                `json:"vnodes,omitempty"`
	MovedKeys          uint64             `json:"moved_keys"`
	MovedShare         float64            `json:"moved_share"`
	ExpectedMovedShare float64            `json:"expected_moved_share"`
	MovedBytes         float64            `json:"moved_bytes"`
	CopyTimeS          float64            `json:"copy_time_s"`
	Before             reshardBalanceJSON `json:"balance_before"`
	After              reshardBalanceJSON `json:"balance_after"`
}

type reshardJSON struct {
	Keys            uint64              `json:"keys"`
	From            int                 `json:"from"`
	To              int                 `json:"to"`
	BytesPerKey     float64             `json:"bytes_per_key"`
	CopyRate        float64             `json:"copy_rate_bytes_per_s"`
	IdealMovedShare float64             `json:"ideal_moved_share"`
	Schemes         []reshardSchemeJSON `json:"schemes"`
}

func balanceJSON(b capacity.Balance) reshardBalanceJSON {
	return reshardBalanceJSON{Nodes: b.Nodes, Largest: b.Largest, Smallest: b.Smallest, Mean: b.Mean, Ratio: b.Ratio}
}

func writeReshardJSON(w io.Writer, r capacity.Reshard) error {
	in := r.Input
	doc := reshardJSON{Keys: in.Keys, From: in.From, To: in.To, BytesPerKey: in.BytesPerKey, CopyRate: in.CopyRate,
		IdealMovedShare: r.IdealMovedShare, Schemes: make([]reshardSchemeJSON, 0, len(r.Results))}
	for _, s := range r.Results {
		doc.Schemes = append(doc.Schemes, reshardSchemeJSON{Scheme: string(s.Scheme), VirtualNodes: s.VirtualNodes,
			MovedKeys: s.MovedKeys, MovedShare: s.MovedShare, ExpectedMovedShare: s.ExpectedMovedShare,
			MovedBytes: s.MovedBytes, CopyTimeS: s.CopySeconds, Before: balanceJSON(s.Before), After: balanceJSON(s.After)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
