//go:build !unix

package pgserver

import "syscall"

// ProcAttr: outside Unix there is no root to step down from.
func ProcAttr(*Account) *syscall.SysProcAttr { return nil }
