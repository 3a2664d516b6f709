package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

const recordedHAR = "../scenarios/har/testdata/swiper-app.har"

func TestScenariosImportCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "journey.yaml")
	code, stdout, stderr := runCLI(t, "scenarios", "import", recordedHAR, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("got stdout %q with -o, want nothing", stdout)
	}
	for _, want := range []string{"imported 8 steps", "code = json $.code of vcode, used in login body $.code", "login_token = json $.token of login", "sid = json $.users[0].uid of rcmd, used in like body $.sid"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "name: swiper-app") {
		t.Fatalf("got %q (%v), want the scenario named after the file", data, err)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"scenarios", "import", filepath.Join(t.TempDir(), "none.har")}, "no such file"},
		{[]string{"scenarios", "import", writeTemp(t, "bad.har", "{}")}, "log.entries is empty"},
		{[]string{"scenarios", "import", recordedHAR, "--include-host", "192.0.2.1"}, "no request left to import"},
		{[]string{"scenarios", "import", recordedHAR, "--min-think", "-1s"}, "--min-think -1s"},
	} {
		code, _, stderr := runCLI(t, bad.args...)
		if code != ExitUsage || !strings.Contains(stderr, bad.want) {
			t.Errorf("%v: got exit %d %q, want %d with %q", bad.args, code, stderr, ExitUsage, bad.want)
		}
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportedScenarioRunsTwice is the test of correlation: the scenario imported from the
// recorded session runs twice against a fresh reference server (which issues a new code and
// token on every login), every check passes both times, and the server logged in exactly once
// per iteration.
func TestImportedScenarioRunsTwice(t *testing.T) {
	t.Parallel()
	importAndRunTwice(t, recordedHAR)
}

// TestBrowserRecordedSession records a session of the reference server's /app page in
// Debian's Chromium driven by playwright-core (test/browser/record-har.mjs), imports the HAR
// and runs it twice.
func TestBrowserRecordedSession(t *testing.T) {
	t.Parallel()
	chromium := os.Getenv("LOADTEST_TEST_CHROMIUM")
	if chromium == "" {
		t.Skip("LOADTEST_TEST_CHROMIUM is unset: no browser to record a HAR with (.ci/run sets it)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("LOADTEST_TEST_CHROMIUM is set but node is not on PATH: %v", err)
	}
	if _, err := os.Stat("../test/browser/node_modules/playwright-core"); err != nil {
		t.Fatalf("playwright-core is not installed: run npm ci --prefix test/browser (.ci/run does): %v", err)
	}
	base := startReferenceServer(t, "browser", "--dev")
	har := filepath.Join(t.TempDir(), "session.har")
	cmd := exec.Command(node, "record-har.mjs", base+"/app", har)
	cmd.Dir = "../test/browser"
	cmd.Env = append(os.Environ(), "LOADTEST_TEST_CHROMIUM="+chromium)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("recording the session: %v\n%s", err, out)
	}
	importAndRunTwice(t, har)
}

func importAndRunTwice(t *testing.T, har string) {
	t.Helper()
	scenario := filepath.Join(t.TempDir(), "journey.yaml")
	if code, _, stderr := runCLI(t, "scenarios", "import", har, "-o", scenario, "--no-think"); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	if code, out, _ := runCLI(t, "scenarios", "check", scenario); code != 0 {
		t.Fatalf("scenarios check of the import: exit %d:\n%s", code, out)
	}
	base := startReferenceServer(t, "import", "--dev")
	var iterations uint64
	for run := 1; run <= 2; run++ {
		out := filepath.Join(t.TempDir(), "result.json")
		code, _, stderr := runCLI(t, "run", scenario, "--target", base, "--rate", "2/s", "--duration", "2s", "--quiet", "--out", out)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, code, stderr)
		}
		r, err := results.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if r.IterationsCompleted == 0 || r.IterationsFailed != 0 || r.Checks == nil || r.Checks.Fails != 0 || r.Requests != r.Successes {
			t.Fatalf("run %d: got %d iterations completed, %d failed, checks %+v, %d of %d requests ok; want all passing (errors %+v)",
				run, r.IterationsCompleted, r.IterationsFailed, r.Checks, r.Successes, r.Requests, r.Errors)
		}
		iterations += r.IterationsCompleted
	}
	if logins := uint64(routeCounts(t, base)["POST /api/user/login"]); logins != iterations {
		t.Errorf("the server logged in %d times, want %d (one per iteration of both runs)", logins, iterations)
	}
}

// recordedSecrets are the secrets testdata/secrets.har holds, one of each kind, by the
// variable the import must make of each.
var recordedSecrets = map[string]string{
	"query-access-1111":                "access_token",        // query access_token
	"query-refresh-2222":               "refresh_token",       // query refresh_token
	"query-apikey-3333":                "api_key",             // query apiKey
	"cHJveHl1c2VyOnByb3h5LXB3LTQ0NDQ=": "proxy_authorization", // Proxy-Authorization: Basic
	"YW5uOmJhc2ljLXB3LTU1NTU=":         "authorization",       // Authorization: Basic
	"header-apikey-6666":               "x_api_key",           // X-Api-Key header
	"cookie-remember-7777":             "cookie_remember_me",  // a cookie no response set
	"482913":                           "code",                // a login code no response returned
	"json-client-secret-8888":          "client_secret",       // JSON clientSecret
	"json-apikey-9999":                 "api_key_2",           // JSON api_key
	"json-idtoken-1010":                "id_token",            // nested JSON idToken
	"735194":                           "pin",                 // a JSON number
	"partner-bearer-1212":              "authorization_2",     // a second Authorization value
	"other-bearer-1313":                "authorization_3",     // and a third
	"form-passwd-1414":                 "passwd",              // form passwd
	"form-refresh-1515":                "refresh_token_2",     // form refreshToken
	"json-newpw-1616":                  "new_password",        // nested JSON newPassword
	"json-access-1717":                 "access_token_3",      // nested JSON access_token (access_token_2 is the correlated accessToken)
	"multipart-pw-5555":                "password",            // multipart field password
	"oauth-code-1818":                  "code_2",              // query code of an OAuth callback
}

// recordedURLPassword is the password of a URL's userinfo in secrets.har: never written.
const recordedURLPassword = "url-pw-1919"

// TestImportMasksSecrets imports a recording that holds a secret of every kind the importer
// knows: none of the recorded values is in the scenario or on stderr, each is a CHANGE-ME
// variable of its own that stderr names; --keep-secrets writes them all as recorded.
func TestImportMasksSecrets(t *testing.T) {
	fixture := "../scenarios/har/testdata/secrets.har"
	out := filepath.Join(t.TempDir(), "journey.yaml")
	code, _, stderr := runCLI(t, "scenarios", "import", fixture, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for value, variable := range recordedSecrets {
		if strings.Contains(string(data), value) || strings.Contains(stderr, value) {
			t.Errorf("the recorded secret %q (%s) is in the output", value, variable)
		}
		if !strings.Contains(string(data), "\n  "+variable+": 'CHANGE-ME'\n") {
			t.Errorf("the scenario lacks the variable %s: 'CHANGE-ME'", variable)
		}
		if !strings.Contains(stderr, "secret: fill in variable "+variable+" (") {
			t.Errorf("stderr does not list the variable %s:\n%s", variable, stderr)
		}
	}
	if strings.Contains(string(data), recordedURLPassword) {
		t.Errorf("the password of a recorded URL is in the scenario")
	}
	if n := strings.Count(string(data), ": 'CHANGE-ME'\n"); n != len(recordedSecrets) {
		t.Errorf("got %d CHANGE-ME variables, want %d (one per recorded secret)", n, len(recordedSecrets))
	}

	code, stdout, stderr := runCLI(t, "scenarios", "import", fixture, "--keep-secrets")
	if code != 0 {
		t.Fatalf("--keep-secrets: exit %d: %s", code, stderr)
	}
	for value := range recordedSecrets {
		if !strings.Contains(stdout, value) {
			t.Errorf("--keep-secrets: the recorded secret %q is not in the output", value)
		}
	}
}
