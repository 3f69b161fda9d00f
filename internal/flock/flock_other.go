//go:build !unix

package flock

import "context"

// Lock is a no-op where flock is unavailable: callers must tolerate a
// concurrent holder (their renames and starts fail with clear errors).
func Lock(context.Context, string) (func(), error) { return func() {}, nil }
