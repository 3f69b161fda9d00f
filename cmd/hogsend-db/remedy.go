package main

import (
	"errors"
	"fmt"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/tracks"
)

// Libraries carry a refusal's remedy as data (a typed error, a field, a
// sentinel) and word it without CLI flags; this file is where the CLI
// names the flag or command that does it. message is the one way an error
// becomes text: the stderr line, the JSON "message", a lint annotation.

// message is err as the CLI prints it.
func message(err error) string {
	var fe *tracks.ForeignError
	if errors.As(err, &fe) {
		return foreignMessage(fe)
	}
	return err.Error() + cliRemedy(err)
}

// cliRemedy is the flag or command that does the remedy err carries, "" if
// none.
func cliRemedy(err error) string {
	var ooo *tracks.OutOfOrderError
	var cu *tracks.CommitUnknownError
	var se *tracks.StatementError
	var rcu *drift.CommitUnknownError
	switch {
	case errors.As(err, &rcu):
		return ` ("hogsend-db status" or "hogsend-db drift", then "hogsend-db repair --from-push")`
	case errors.As(err, &ooo):
		return ": pass --allow-out-of-order"
	case errors.As(err, &cu) && cu.NoTransaction:
		return ` ("hogsend-db status", then "hogsend-db repair --from-push")`
	case errors.As(err, &cu):
		return ` ("hogsend-db status", then "hogsend-db migrate")`
	case errors.As(err, &se) && se.PushHint:
		return ". Run `hogsend-db drift` to see which migrations are already present, then `hogsend-db repair --from-push`"
	case errors.Is(err, scratch.ErrNoCreateDB):
		return ": pass --dev-url (or HOGSEND_DEV_URL)"
	case errors.Is(err, generate.ErrNoDefaultSchema):
		return "; pass --schema (or set HOGSEND_SCHEMA)"
	case errors.Is(err, generate.ErrNoDevURL):
		return ": pass --dev-url (or set HOGSEND_DEV_URL or DATABASE_URL)"
	}
	return ""
}

// foreignMessage is tracks.ForeignError with the CLI's flags as the fix
// (its Remedy field words it for a server).
func foreignMessage(e *tracks.ForeignError) string {
	f := tracks.Facts{Track: e.Track, State: &tracks.State{Ledger: e.Ledger, Matched: e.Matched, Rows: e.Rows},
		Location: e.Location, Origin: e.Origin}
	msg := fmt.Sprintf("%s track: %s", e.Track, tracks.ForeignMessage(f))
	if e.Unknown > 0 && e.Matched > 0 {
		msg += fmt.Sprintf(", and %d row(s) among them match none", e.Unknown)
	}
	return msg + "; nothing was written. Fix: " + remedyFlag(e.Track)
}
