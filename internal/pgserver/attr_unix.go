//go:build unix

package pgserver

import "syscall"

// ProcAttr runs a child as a (nil: as ourselves).
func ProcAttr(a *Account) *syscall.SysProcAttr {
	if a == nil {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.UID, Gid: a.GID}}
}
