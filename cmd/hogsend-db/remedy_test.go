package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/tracks"
)

// The libraries' errors name no flag; message words their remedies with
// the CLI's flags and commands, also when the error is wrapped.
func TestMessageNamesTheFlagOfTheRemedy(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&tracks.OutOfOrderError{Track: "client", Tags: []string{"0001_a"}}, "allow out-of-order migrations: pass --allow-out-of-order"},
		{&tracks.CommitUnknownError{Track: "client", Tags: []string{"0001_a"}, Err: errors.New("eof")}, `"hogsend-db status", then "hogsend-db migrate"`},
		{&tracks.CommitUnknownError{Track: "client", Tags: []string{"0001_a"}, NoTransaction: true, Err: errors.New("eof")}, `"hogsend-db repair --from-push"`},
		{&drift.CommitUnknownError{Rows: []drift.Row{{Track: "client", Tag: "0001_a"}}, Err: errors.New("eof")},
			`"hogsend-db status" or "hogsend-db drift", then "hogsend-db repair --from-push"`},
		{&tracks.StatementError{Track: "client", PushHint: true}, "then `hogsend-db repair --from-push`"},
		{fmt.Errorf("drift: replay: %w (permission denied)", scratch.ErrNoCreateDB), "(permission denied): pass --dev-url"},
		{generate.ErrNoDefaultSchema, "neither ./schema.sql nor ./schema/ exists; pass --schema"},
		{generate.ErrNoDevURL, "no dev database server: pass --dev-url"},
		{&tracks.ForeignError{Track: "client", Ledger: "drizzle.__client_migrations", Rows: 2, Remedy: "words"}, "Fix: run hogsend-db from the app folder, or pass --dir"},
	} {
		got := message(fmt.Errorf("wrapped: %w", tc.err))
		if !strings.Contains(got, tc.want) {
			t.Errorf("message(%T) = %q, want it to contain %q", tc.err, got, tc.want)
		}
		if lib := tc.err.Error(); strings.Contains(lib, "--") && !strings.Contains(lib, "drizzle-kit") {
			t.Errorf("%T names a flag itself: %q", tc.err, lib)
		}
	}
	if got := message(errors.New("plain")); got != "plain" {
		t.Errorf("message(plain) = %q", got)
	}
}
