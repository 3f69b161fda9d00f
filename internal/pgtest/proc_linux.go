package pgtest

import (
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// sysProcAttr runs the child as owner (when we are root) and gives it a
// parent-death signal: if the test binary exits without Main stopping the
// server, the postmaster gets SIGQUIT (immediate shutdown) and takes its
// backends with it. Go sets the signal after changing credentials, so the
// credential change does not clear it.
func sysProcAttr(owner *account) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if owner != nil {
		attr.Credential = &syscall.Credential{Uid: owner.UID, Gid: owner.GID}
	}
	return attr
}

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

var spawner struct {
	once sync.Once
	ch   chan spawnRequest
}

// startProcess starts cmd from one OS thread that never exits: Linux sends
// the parent-death signal when the creating thread ends, not the process,
// and the Go runtime may retire an ordinary goroutine's thread.
func startProcess(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.ch = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for req := range spawner.ch {
				req.done <- req.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawner.ch <- spawnRequest{cmd: cmd, done: done}
	return <-done
}

// interrupt asks postgres for a fast shutdown.
func interrupt(p *os.Process) error { return p.Signal(syscall.SIGINT) }

func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
