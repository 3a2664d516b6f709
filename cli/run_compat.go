package cli

import (
	"context"
	"io"
	"sync"

	"github.com/loadtestdev/loadtest/runner"
	"github.com/loadtestdev/loadtest/runner/bundled"
	"github.com/loadtestdev/loadtest/scenarios"
)

// The names below keep `cluster local` (cluster.go, moving to cluster/ on its own branch)
// compiling against runner and runner/bundled, which now own what they stood for; they go
// when it calls those packages itself.

// envClusterToken is the environment variable that gives the cluster token.
const envClusterToken = runner.EnvClusterToken

var (
	detach    = bundled.Detach
	terminate = bundled.Terminate
	randomHex = bundled.RandomHex
)

// runTarget is runner.Target as cluster local uses it.
type runTarget struct {
	secret []byte
	stop   func() error
}

// prepareTarget is runner.PrepareTarget.
func prepareTarget(ctx context.Context, sc *scenarios.Scenario, secret string, _ io.Writer) (*runTarget, error) {
	t, err := runner.PrepareTarget(ctx, sc, secret, "")
	if err != nil {
		return nil, err
	}
	return &runTarget{secret: t.Secret, stop: t.Stop}, nil
}

// tailBuffer is a bundled.TailBuffer of max bytes.
type tailBuffer struct {
	max  int
	once sync.Once
	t    *bundled.TailBuffer
}

func (b *tailBuffer) buf() *bundled.TailBuffer {
	b.once.Do(func() { b.t = bundled.NewTailBuffer(b.max) })
	return b.t
}

func (b *tailBuffer) Write(p []byte) (int, error) { return b.buf().Write(p) }
func (b *tailBuffer) String() string              { return b.buf().String() }
