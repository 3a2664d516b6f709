package cli

import "github.com/spf13/cobra"

// NewCapacityCmd is replaced by the capacity issue's implementation.
func NewCapacityCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{Use: "capacity", Short: "Plan capacity", SilenceUsage: true, SilenceErrors: true}
	setupRoot(root, ios)
	return root
}
