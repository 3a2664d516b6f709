package scenarios

import (
	"strings"
	"testing"
)

func TestCheckPlan(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"requests without a target", "name: a\nrequests:\n  - path: /a\n", ""},
		{"flows", "name: f\nflows:\n  - name: login\n    steps:\n      - path: /\n", ""},
		{"a feeder that is not there", "name: b\nfeeder: nope.csv\nrequests:\n  - path: /a?u={{ csv.uid }}\n", "nope.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse(t.TempDir()+"/s.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			err = sc.CheckPlan("s.yaml")
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
