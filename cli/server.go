package cli

import "github.com/spf13/cobra"

// newServerCmd is replaced by the server issue's implementation.
func newServerCmd(ios *IOStreams) *cobra.Command {
	return &cobra.Command{Use: "server", Short: "Run the reference Swiper server"}
}
