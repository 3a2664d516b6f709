package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/reports"
	"github.com/loadtestdev/loadtest/runner"
	"github.com/loadtestdev/loadtest/scenarios"
)

// scenariosOptions are what the scenarios subcommands need.
type scenariosOptions struct {
	Out  io.Writer
	Args []string
}

func newScenariosCmd(ios *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List, print and check scenarios",
		Long: `A scenario says what a run sends: its rate (or stages), duration, and a weighted list of
requests whose paths, headers and bodies may use templates. loadtest has built-in scenarios
(echo, cache, db, swiper) and reads YAML files; "loadtest scenarios show NAME" prints a
built-in so you can copy and edit it. The format is in the README, "Scenario files".`,
		Example: `  loadtest scenarios list
  loadtest scenarios show swiper > my.yaml
  loadtest scenarios check my.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newScenariosListCmd(ios), newScenariosShowCmd(ios), newScenariosCheckCmd(ios), newScenariosImportCmd(ios))
	return cmd
}

func newScenariosListCmd(ios *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the built-in scenarios",
		Long:  "List the built-in scenarios with their descriptions. Run one with \"loadtest run NAME\".",
		Example: `  loadtest scenarios list
  loadtest run cache`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenariosList(&scenariosOptions{Out: ios.Out})
		},
	}
}

func runScenariosList(opts *scenariosOptions) error {
	names := scenarios.Builtins()
	scs := make([]*scenarios.Scenario, len(names))
	for i, name := range names {
		sc, err := scenarios.Load(name)
		if err != nil {
			return err
		}
		scs[i] = sc
	}
	return reports.WriteScenarioList(opts.Out, names, scs)
}

func newScenariosShowCmd(ios *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Print a built-in scenario's YAML",
		Long: `Print the YAML of a built-in scenario, comments included, to copy and edit: save it to a
file, change it, and run the file with "loadtest run FILE".`,
		Example: `  loadtest scenarios show echo
  loadtest scenarios show swiper > my.yaml && loadtest run my.yaml`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: scenarios.Builtins(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenariosShow(&scenariosOptions{Out: ios.Out, Args: args})
		},
	}
}

func runScenariosShow(opts *scenariosOptions) error {
	data, err := scenarios.BuiltinYAML(opts.Args[0])
	if err != nil {
		return usageError(err)
	}
	_, err = opts.Out.Write(data)
	return err
}

func newScenariosCheckCmd(ios *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE|NAME...",
		Short: "Check scenario files without running them",
		Long: `Parse and compile scenario files (or built-ins) the way "loadtest run" would, without
sending a request, and print a summary of each: its rate, duration and request mix. A bad
file prints its error, naming the line and the field, and the command exits with code 2.
Feeder files are read and their columns checked, and the thresholds are parsed and checked
against the request names as "loadtest run" checks them; token() is not checked, since the
secret is only known when a run starts.`,
		Example: `  loadtest scenarios check my.yaml
  loadtest scenarios check scenarios/*.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenariosCheck(&scenariosOptions{Out: ios.Out, Args: args})
		},
	}
}

func runScenariosCheck(opts *scenariosOptions) error {
	var bad []string
	for _, name := range opts.Args {
		if err := checkScenario(opts.Out, name); err != nil {
			fmt.Fprintf(opts.Out, "FAIL %v\n", err)
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		return usageError(fmt.Errorf("%d of %d scenario(s) are invalid: %s", len(bad), len(opts.Args), strings.Join(bad, ", ")))
	}
	return nil
}

// checkScenario checks one scenario as run would, without sending (runner.CheckScenario), and
// prints its summary.
func checkScenario(w io.Writer, name string) error {
	sc, err := runner.CheckScenario(name)
	if err != nil {
		return err
	}
	return reports.WriteScenarioCheck(w, name, sc)
}
