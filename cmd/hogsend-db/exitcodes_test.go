package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/tracks"
)

// --help prints the table exitCode maps onto, generated from it.
func TestExitCodeHelpIsTheTable(t *testing.T) {
	for _, e := range exitCodes {
		words := strings.Fields(e.meaning)
		if !strings.Contains(exitCodeHelp, "\n   "+strconv.Itoa(e.code)+" ") || !strings.Contains(exitCodeHelp, words[len(words)-1]) {
			t.Errorf("help lacks code %d (%s):\n%s", e.code, e.meaning, exitCodeHelp)
		}
	}
	for _, line := range strings.Split(exitCodeHelp, "\n") {
		if len(line) > 95 {
			t.Errorf("help line longer than 95: %q", line)
		}
	}
}

// Commands return typed values; exitCode alone picks the number.
func TestExitCodeMapsTypes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("boom"), exitError},
		{usageError("--x %q: bad", "y"), exitUsage},
		{fmt.Errorf("wrapped: %w", asUsage(errors.New("flag provided but not defined: -x"))), exitUsage},
		{outcomePending, exitPending},
		{outcomeFindings, exitIntegrity},
		{fmt.Errorf("repair: %w", drift.ErrPartial), exitIntegrity},
		{&tracks.OutOfOrderError{Track: "client"}, exitIntegrity},
		{&tracks.LockTimeoutError{}, exitLockTimeout},
		{fmt.Errorf("x: %w", context.Canceled), exitInterrupted},
		// repair's unknown COMMIT maps as migrate's: 130 after a cancel, 1 when the connection broke.
		{&tracks.CommitUnknownError{Track: "client", Err: fmt.Errorf("receive: %w", context.Canceled)}, exitInterrupted},
		{&drift.CommitUnknownError{Err: fmt.Errorf("receive: %w", context.Canceled)}, exitInterrupted},
		{&tracks.CommitUnknownError{Track: "client", Err: errors.New("conn closed")}, exitError},
		{&drift.CommitUnknownError{Err: errors.New("conn closed")}, exitError},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
