package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/reports"
)

type capacityReshardOptions struct {
	Out io.Writer
	capacity.ReshardFlags
	Output string
}

func newCapacityReshardCmd(ios *IOStreams) *cobra.Command {
	opts := &capacityReshardOptions{Out: ios.Out}
	cmd := &cobra.Command{
		Use:   "reshard {--keys N | --users N} --from A --to B [--scheme all] [--bytes-per-key S --copy-rate R]",
		Short: "Count the keys a resharding moves under modulo, consistent, jump and rendezvous hashing",
		Long: `reshard places the keys 1..N on A nodes and then on B nodes, key by key, under each
placement scheme, and counts exactly the keys that change node, the data that moves and the
time it takes to copy at a given rate, and how evenly the keys lie before and after (the
largest node ÷ the mean).

Schemes (--scheme, or a comma-separated list; all by default):
  mod         id % N on the id itself: from N to N+1 nodes it moves N/(N+1) of the keys
  consistent  a ring with --vnodes points per node (Karger et al. 1997): about 1/(N+1)
  jump        jump consistent hash (Lamping & Veach 2014): 1/(N+1), near-perfect balance
  rendezvous  highest random weight (Thaler & Ravishankar 1998): 1/(N+1)
No scheme can move less than |B − A| / max(A, B): the keys bound for the added nodes.

Keys are streamed, not stored: 10 million keys take seconds and little memory.`,
		Example: `  capacity reshard --keys 1000000 --from 4 --to 5
  capacity reshard --users 200000 --from 1 --to 2 --scheme mod
  capacity reshard --keys 1000000 --from 10 --to 11 --bytes-per-key 2KiB --copy-rate 100MB/s -o md
  capacity reshard --keys 1000000 --from 10 --to 11 --scheme consistent --vnodes 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := capCheckOutput(opts.Output); err != nil {
				return err
			}
			opts.Given = cmd.Flags().Changed
			in, err := opts.Input()
			if err != nil {
				return usageError(err)
			}
			r, err := capacity.PlanReshard(cmd.Context(), in)
			if err != nil {
				return capInputError(cmd, err)
			}
			return reports.WriteReshard(opts.Out, opts.Output, r)
		},
	}
	fs := cmd.Flags()
	fs.Int64Var(&opts.Keys, "keys", 0, "place the keys 1..N (e.g. 10000000 or 10_000_000)")
	fs.Int64Var(&opts.Users, "users", 0, "place one key per user, ids 1..N (the same as --keys)")
	fs.IntVar(&opts.From, "from", 0, "nodes before (required)")
	fs.IntVar(&opts.To, "to", 0, "nodes after (required)")
	fs.StringVar(&opts.Scheme, "scheme", capacity.SchemeAll, "mod, consistent, jump, rendezvous, a comma-separated list of them, or all")
	fs.IntVar(&opts.VirtualNodes, "vnodes", 160, "points per node on the consistent-hashing ring (libketama uses 160)")
	fs.Var(&opts.BytesPerKey, "bytes-per-key", "size of one key and its value, e.g. 512, 2KiB or 1.5MB: prices the data moved")
	fs.Var(&opts.CopyRate, "copy-rate", "rate the moved data copies at, e.g. 100MB/s or 1GiB/s: prices the copy time")
	fs.StringVarP(&opts.Output, "output", "o", capOutText, "output format: text, json or md")
	return cmd
}
