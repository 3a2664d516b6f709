package capacity

import "testing"

func TestParseDataSizeAndCopyRate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
	}{
		{"512", 512}, {"2KiB", 2048}, {"1.5MB", 1.5e6}, {"1.5 kB", 1500}, {"1TB", 1e12}, {"2TiB", 2 << 40}, {"0", 0}, {"8MiB", 8 << 20},
	} {
		if got, err := ParseDataSize(tt.in); err != nil || got != tt.want {
			t.Errorf("size %q: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want float64
	}{
		{"100MB/s", 1e8}, {"1GiB/s", 1 << 30}, {"50000000", 5e7}, {"12.5MB/s", 12.5e6},
	} {
		if got, err := ParseCopyRate(tt.in); err != nil || got != tt.want {
			t.Errorf("rate %q: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "lots", "-1", "1PB", "NaN", "Inf", "1e30", "2000000000000000000"} {
		if got, err := ParseDataSize(bad); err == nil {
			t.Errorf("size %q: got %v, want an error", bad, got)
		}
	}
	for _, bad := range []string{"0/s", "0", "100MB/min", "/s"} {
		if got, err := ParseCopyRate(bad); err == nil {
			t.Errorf("rate %q: got %v, want an error", bad, got)
		}
	}
}

// FuzzParseDataSize checks that any text is a size ≥ 0 and finite, or an error.
func FuzzParseDataSize(f *testing.F) {
	for _, s := range []string{"512", "2KiB", "1.5MB", "1TB", "-1", "1e400", "NaN", "0x10", "100MB/s", " 3 GiB "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseDataSize(s)
		if err == nil && (!(n >= 0) || n > MaxDataSize) {
			t.Errorf("ParseDataSize(%q) = %v without an error", s, n)
		}
	})
}
