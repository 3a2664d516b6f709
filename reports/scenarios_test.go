package reports

import (
	"bytes"
	"testing"

	"github.com/loadtestdev/loadtest/scenarios"
)

func TestWriteScenarioCheck(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"requests", "name: mix\nrate: 10/s\nduration: 5s\nrequests:\n  - name: a\n    path: /a\n    weight: 3\n  - name: b\n    method: POST\n    path: /b\n",
			"ok   f.yaml (mix): rate 10/s for 5s, 2 request(s)\n" +
				"        75.0%  GET     /a                                       a\n" +
				"        25.0%  POST    /b                                       b\n"},
		{"stages", "name: st\nstages:\n  - {duration: 2s, rate: 5/s}\n  - {duration: 2s, rate: 9/s}\nrequests:\n  - path: /a\n",
			"ok   f.yaml (st): 2 stages for 4s, 1 request(s)\n" +
				"       100.0%  GET     /a                                       GET /a\n"},
		{"flows", "name: fl\nrate: 0\nduration: 3s\nmax_sessions: 7\nflows:\n  - name: login\n    steps:\n      - name: home\n        path: /\n      - think: 1s..2s\n",
			"ok   f.yaml (fl): as fast as possible for 3s, 1 flow(s), max_sessions 7\n" +
				"       100.0%  login\n" +
				"                GET     /                                        home (0 check(s), 0 extraction(s))\n" +
				"                think 1s..2s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := scenarios.Parse("f.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteScenarioCheck(&b, "f.yaml", sc); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

func TestWriteScenarioList(t *testing.T) {
	echo, err := scenarios.Load("echo")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteScenarioList(&b, []string{"echo"}, []*scenarios.Scenario{echo}); err != nil {
		t.Fatal(err)
	}
	want := "NAME  RATE    DURATION  DESCRIPTION\necho  " + echo.Rate.String() + "  " + echo.Duration.String() + "       " + echo.Description + "\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}
