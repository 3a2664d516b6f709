package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/capacity/fleetfile"
	"github.com/loadtestdev/loadtest/reports"
)

type capacityFleetOptions struct {
	Out, ErrOut io.Writer

	File    string
	Explain bool
	Output  string
	// Flags holds each fleet field's flag value as given.
	Flags map[string]*string

	In    capacity.FleetInput
	spec  *fleetfile.Spec
	Rates reports.FleetRates
}

func newCapacityFleetCmd(ios *IOStreams) *cobra.Command {
	opts := &capacityFleetOptions{Out: ios.Out, ErrOut: ios.ErrOut, Flags: map[string]*string{}}
	cmd := &cobra.Command{
		Use:   "fleet [FLEET.yaml] [flags]",
		Short: "Size the whole backend: app servers, cache, database masters, replicas and shards, workers",
		Long: `fleet sizes a backend from daily users, the mix of requests and each tier's measured capacity:
application servers (what one server holds of the mix is the weighted harmonic mean of the rates
measured per kind of request, 1 / Σ share/rate), cache nodes (operations and memory), the
database (shards for the writes or the storage, whichever binds; a master per shard and read
replicas per shard, warm and with a cold cache) and task workers, with the same peak,
utilisation, N+k and zone rules as capacity plan. With traffic.growth it sizes the fleet month
by month and names the month each role next needs a node.

The fleet file (YAML) gives traffic, mix, app, cache, database, workers and data; every field
also has a flag, which overrides the file. A capacity may be {from: RESULT.json}: the sustainable
rate of a probe of that tier's endpoint (loadtest probe), taken only when the probe converged on
the server's limit, as capacity plan --from does. Bad input exits 2 naming the file, line and
field. --explain prints every formula with its numbers. Ratios are fractions (0.8) or
percentages (80%), sizes bytes or with a unit (16GB, 512MiB).`,
		Example: `  capacity fleet fleet.yaml
  capacity fleet fleet.yaml --dau 2000000 --explain
  capacity fleet fleet.yaml --growth 10% --horizon 12 --output md
  capacity fleet --dau 200000 --cache-read-share 96% --db-read-share 4% --cache-read-rps 10000 --db-read-rps 800`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if err := opts.bind(cmd); err != nil {
				return err
			}
			return runCapacityFleet(opts)
		},
	}
	fs := cmd.Flags()
	for _, f := range fleetfile.Fields {
		v := &fleetFlag{kind: f.Kind}
		opts.Flags[f.Flag] = &v.text
		fs.Var(v, f.Flag, f.Usage+" ("+f.Path+")")
	}
	fs.BoolVar(&opts.Explain, "explain", false, "print each step as a formula with the numbers put in")
	fs.StringVarP(&opts.Output, "output", "o", capOutText, "output format: text, json or md")
	return cmd
}

// bind reads the fleet file with the flags given over it and builds the model's input
// (reports.FleetRates.LoadFleet, which resolves its from: results).
func (opts *capacityFleetOptions) bind(cmd *cobra.Command) error {
	if err := capCheckOutput(opts.Output); err != nil {
		return err
	}
	given := map[string]string{}
	for _, f := range fleetfile.Fields {
		if cmd.Flags().Changed(f.Flag) {
			given[f.Flag] = *opts.Flags[f.Flag]
		}
	}
	var err error
	if opts.spec, opts.In, err = opts.Rates.LoadFleet(opts.File, given); err != nil {
		return usageError(err)
	}
	return nil
}

func runCapacityFleet(opts *capacityFleetOptions) error {
	fleet, err := capacity.MakeFleet(opts.In)
	if err != nil {
		return usageError(opts.spec.Locate(err))
	}
	if err := reports.WriteCapacityWarnings(opts.ErrOut, opts.Rates.Warnings); err != nil {
		return err
	}
	return reports.WriteCapacityFleet(opts.Out, opts.Output, reports.CapacityFleet{Fleet: fleet, In: opts.In,
		Sources: opts.Rates.Sources, Explain: opts.Explain, Warnings: opts.Rates.Warnings})
}

// fleetFlag holds a fleet field's flag as given; fleetfile.Spec.SetFlag reads it, so that a
// flag and the file's field are read alike. Its type names the kind of value in --help.
type fleetFlag struct {
	kind fleetfile.Kind
	text string
}

func (f *fleetFlag) String() string     { return f.text }
func (f *fleetFlag) Set(s string) error { f.text = s; return nil }

func (f *fleetFlag) Type() string { return f.kind.Name() }
