package bundled

import (
	"bytes"
	"sync"
)

// TailBuffer keeps the last bytes written to it, up to its size (a child's stderr, for error
// messages). It is safe for concurrent use.
type TailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

// NewTailBuffer returns a TailBuffer that keeps the last max bytes.
func NewTailBuffer(max int) *TailBuffer { return &TailBuffer{max: max} }

func (t *TailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *TailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
