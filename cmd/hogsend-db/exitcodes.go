package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hogsend/hogsend-db/tracks"
)

// Exit codes. This table is the single source: README.md and --help repeat it.
const (
	exitOK          = 0   // success; status: in sync
	exitError       = 1   // any error (database unreachable, failed statement, bad folder)
	exitUsage       = 2   // bad flags or arguments
	exitPending     = 3   // status: migrations pending (with --fail-on engine: engine migrations only); dev status: not running
	exitIntegrity   = 4   // integrity problem or findings (foreign ledger, newer major release, out-of-order, modified, unknown, duplicate or NULL rows, missing objects; drift; lint)
	exitLockTimeout = 5   // the migration lock was still held when --lock-wait ran out
	exitInterrupted = 130 // interrupted (Ctrl-C, SIGTERM)
)

// exitCodeHelp is printed by --help.
const exitCodeHelp = `EXIT CODES:
   0    success; status: in sync
   1    error (unreachable database, unreadable ledger, failed statement, bad migration
        folder, unparsable connection string)
   2    usage error (no or unknown command, bad flag or argument)
   3    status: migrations pending (status --fail-on engine: engine migrations only);
        dev status: the dev server is not running
   4    integrity problem or findings: a foreign ledger (another engine's or folder's),
        a newer major engine release, out-of-order, modified, unknown, duplicate or
        NULL-created_at ledger rows; a missing default folder with ledger rows; objects of applied migrations missing from the
        database; drift found; lint errors (4 wins over 3)
   5    timed out waiting for the migration lock (--lock-wait)
   130  interrupted`

// codeError carries an exit code chosen by a command.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

// withCode attaches an exit code to an error.
func withCode(code int, err error) error { return &codeError{code: code, err: err} }

// usageError marks bad flags or arguments.
func usageError(format string, args ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, args...))
}

// errSilent ends a command with a code after it has printed its own output
// (status pending, drift findings).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitWith(code int) error {
	if code == exitOK {
		return nil
	}
	return &silentError{code: code}
}

// exitCode maps an error to the table above, in one place.
func exitCode(err error) int {
	var se *silentError
	var ce *codeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &se):
		return se.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ce):
		return ce.code
	case errors.Is(err, tracks.ErrLockTimeout):
		return exitLockTimeout
	case errors.Is(err, tracks.ErrOutOfOrder), errors.Is(err, tracks.ErrModified), errors.Is(err, tracks.ErrForeign):
		return exitIntegrity
	case isUsage(err):
		return exitUsage
	}
	return exitError
}

// isUsage recognises urfave/cli's flag errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"flag provided but not defined", "flag needs an argument", "invalid value", "Required flag", "No help topic", "invalid boolean"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
