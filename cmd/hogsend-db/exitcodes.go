package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/tracks"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitPending     = 3
	exitIntegrity   = 4
	exitLockTimeout = 5
	exitInterrupted = 130
)

// exitCodes is the single source of the exit-code table: --help prints it
// (exitCodeHelp), docs/cli.md repeats it, exitCode maps errors onto it.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "success; status: in sync"},
	{exitError, "error (unreachable database, unreadable ledger, failed statement, bad migration folder, unparsable connection string)"},
	{exitUsage, "usage error (no or unknown command, bad flag or argument)"},
	{exitPending, "status: migrations pending (status --fail-on engine: engine migrations only); dev status: the dev server is not running"},
	{exitIntegrity, "integrity problem or findings: a foreign ledger (another engine's or folder's), a newer major engine release, " +
		"out-of-order, modified, unknown, duplicate or NULL-created_at ledger rows; a missing default folder with ledger rows; " +
		"objects of applied migrations missing from the database; drift found; a partly present migration in repair; " +
		"lint errors (4 wins over 3)"},
	{exitLockTimeout, "timed out waiting for the migration lock (--lock-wait)"},
	{exitInterrupted, "interrupted"},
}

// exitCodeHelp is the table as --help prints it.
var exitCodeHelp = func() string {
	var b strings.Builder
	b.WriteString("EXIT CODES:")
	for _, e := range exitCodes {
		fmt.Fprintf(&b, "\n   %-4d %s", e.code, wrap(e.meaning, 84, "\n        "))
	}
	return b.String()
}()

// wrap breaks text into lines of at most width characters at spaces.
func wrap(text string, width int, sep string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), sep)
}

// usageErr is bad flags or arguments (exit 2): the CLI's own checks, and
// urfave/cli's parse errors through OnUsageError (cli.go).
type usageErr struct{ err error }

func (e *usageErr) Error() string { return e.err.Error() }
func (e *usageErr) Unwrap() error { return e.err }

// usageError marks bad flags or arguments.
func usageError(format string, args ...any) error {
	return &usageErr{fmt.Errorf(format, args...)}
}

// asUsage marks err as a usage error.
func asUsage(err error) error { return &usageErr{err} }

// outcome ends a command that has printed its result (a status document,
// drift's or lint's findings) with what the result means; exitCode maps
// it. It prints nothing itself.
type outcome int

const (
	outcomePending  outcome = iota + 1 // migrations pending; the dev server not running
	outcomeFindings                    // integrity problems, drift, lint errors
)

func (o outcome) Error() string { return fmt.Sprintf("outcome %d", int(o)) }

// isOutcome reports whether err is an outcome: nothing more to print.
func isOutcome(err error) bool {
	var o outcome
	return errors.As(err, &o)
}

// exitCode maps an error to the table above, in one place.
func exitCode(err error) int {
	var o outcome
	var ue *usageErr
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &o) && o == outcomePending:
		return exitPending
	case errors.As(err, &o) && o == outcomeFindings:
		return exitIntegrity
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, tracks.ErrLockTimeout):
		return exitLockTimeout
	case errors.Is(err, tracks.ErrOutOfOrder), errors.Is(err, tracks.ErrModified), errors.Is(err, tracks.ErrForeign),
		errors.Is(err, drift.ErrPartial):
		return exitIntegrity
	case isUsage(err):
		return exitUsage
	}
	return exitError
}
