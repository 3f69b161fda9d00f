//go:build !linux

package pgtest

import (
	"os"
	"os/exec"
	"syscall"
)

// sysProcAttr: outside Linux there is no parent-death signal; call Main from
// TestMain to stop the throwaway cluster. Running the tests as root is only
// supported on Linux.
func sysProcAttr(owner *account) *syscall.SysProcAttr { return nil }

func startProcess(cmd *exec.Cmd) error { return cmd.Start() }

func interrupt(p *os.Process) error { return p.Signal(os.Interrupt) }

// pidAlive reports true so that no directory is swept outside Linux.
func pidAlive(pid int) bool { return true }
