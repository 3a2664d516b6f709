package scenarios

import (
	"slices"
	"testing"
)

func TestRequestNames(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  []string
	}{
		{"none", nil, nil},
		{"distinct", []string{"get", "put"}, []string{"get", "put"}},
		{"repeated in scenario order", []string{"b", "a", "b", "c", "a"}, []string{"b", "a", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &Scenario{}
			for _, n := range tt.names {
				sc.Requests = append(sc.Requests, Request{Name: n})
			}
			if got := sc.RequestNames(); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
