//go:build unix

package childproc

import (
	"os/exec"
	"testing"
)

func TestDetach(t *testing.T) {
	cmd := exec.Command("true")
	Detach(cmd)
	if !cmd.SysProcAttr.Setpgid {
		t.Error("got no process group of its own")
	}
}
