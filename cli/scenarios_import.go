package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/scenarios/har"
)

// importOptions are the flags of `scenarios import`.
type importOptions struct {
	Out, ErrOut io.Writer
	HAR         string
	Output      string
	Har         har.Options
}

func newScenariosImportCmd(ios *IOStreams) *cobra.Command {
	opts := &importOptions{Out: ios.Out, ErrOut: ios.ErrOut}
	cmd := &cobra.Command{
		Use:   "import SESSION.har",
		Short: "Turn a browser session recorded as a HAR file into a scenario with one flow",
		Long: `Read a HAR file (in the browser's DevTools: Network, "Save all as HAR") and write a scenario
with one flow: each request to the included hosts is a step (method, path and query, the
headers that matter, the body, a check of the status it got), the pauses between them think
times, static assets dropped.

Values are correlated: a value that a response returned (a JSON field, an X- header, a cookie,
a value in an HTML body) and that a later request sends back (in its path, query, headers or
body) becomes an extraction in the earlier step and a template in the later one, so the
scenario works when the server issues a fresh token on every login. Cookies are left to each
iteration's cookie jar. A redirect the browser followed is followed by the step that got it
(follow_redirects: N), checking the last status. Secrets (an Authorization or
Proxy-Authorization no response issued, cookies the recording started with, headers, query
parameters, form, multipart and JSON fields named like a password, token, secret or API key,
a code sent to a login endpoint) become variables set to CHANGE-ME, one per distinct value,
unless --keep-secrets (docs/har.md lists the names). What was correlated, every secret
variable, and what looks like a token but was not correlated, is printed on
stderr.`,
		Example: `  loadtest scenarios import session.har -o journey.yaml
  loadtest scenarios import session.har --include-host api.example.com --exclude 'static/*' -o journey.yaml
  loadtest scenarios check journey.yaml && loadtest run journey.yaml --target http://127.0.0.1:8080`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.HAR = args[0]
			if opts.Har.MinThink < 0 {
				return usageError(fmt.Errorf("--min-think %s: want a duration of 0 or more", opts.Har.MinThink))
			}
			return runScenariosImport(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "write the scenario to this file (default: stdout)")
	f.StringVar(&opts.Har.Name, "name", "", "the scenario's and the flow's name (default: the HAR file's name)")
	f.StringArrayVar(&opts.Har.IncludeHosts, "include-host", nil, "import requests to this host (host or host:port; repeatable; default: the first request's host)")
	f.StringArrayVar(&opts.Har.Exclude, "exclude", nil, "drop requests whose path matches this pattern (e.g. 'static/*'; repeatable)")
	f.BoolVar(&opts.Har.IncludeStatic, "include-static", false, "keep stylesheets, scripts, images, fonts and media")
	f.BoolVar(&opts.Har.NoThink, "no-think", false, "drop the think times taken from the gaps between recorded requests")
	f.DurationVar(&opts.Har.MinThink, "min-think", har.DefaultMinThink, "the shortest gap between requests that becomes a think time")
	f.BoolVar(&opts.Har.KeepSecrets, "keep-secrets", false, "write the secrets (Authorization values, cookies, passwords, tokens, API keys, login codes) as recorded")
	return cmd
}

func runScenariosImport(opts *importOptions) error {
	im, err := har.ReadFile(opts.HAR, opts.Har)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return usageError(fmt.Errorf("scenarios import: %w", err))
	case errors.Is(err, har.ErrInvalid):
		return usageError(err)
	case err != nil:
		return err
	}
	return reports.WriteHARScenario(opts.Out, opts.ErrOut, opts.Output, im)
}
