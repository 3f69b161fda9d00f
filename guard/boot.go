package guard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
	"github.com/hogsend/hogsend-db/verify"
)

// Sentinels matched with errors.Is on what Boot returns.
var (
	// ErrSchemaBehind: the engine track has pending migrations.
	ErrSchemaBehind = errors.New("guard: database schema is behind this build")
	// ErrUnreachable: the ledgers could not be read, so the schema is unknown.
	ErrUnreachable = errors.New("guard: database could not be read")
	// ErrMajorAhead: the database was migrated by a newer major engine release.
	ErrMajorAhead = errors.New("guard: database was migrated by a newer major engine release")

	// ErrObjectsMissing: the ledger records the engine migrations, but
	// objects they created are gone (a drizzle-kit push, a partial restore).
	ErrObjectsMissing = errors.New("guard: engine schema objects are missing")
	// ErrForeign: the engine ledger records another engine's migrations.
	ErrForeign = errors.New("guard: database engine ledger belongs to another engine")
)

// ForeignError is Boot's error when the engine ledger does not record this
// build's engine migrations (tracks.Foreign). It matches ErrForeign.
type ForeignError struct {
	Ledger  string // drizzle.__drizzle_migrations
	Matched int    // rows that record one of this build's engine migrations
	Rows    int    // rows in the ledger
	Engine  string // where this build's engine came from ("bundled", "guard.WithEngine")
}

func (e *ForeignError) Error() string {
	return fmt.Sprintf("Database engine ledger %s was written by another engine: %d of its %d row(s) match this build's engine migrations (%s). "+
		"Point this server at its own database, or give guard the engine that migrated it (guard.WithEngine), or set %s=true to bypass.",
		e.Ledger, e.Matched, e.Rows, e.Engine, EnvSkipSchemaCheck)
}

func (e *ForeignError) Unwrap() error { return ErrForeign }

// BehindError is Boot's error when the engine track is behind this build,
// or cannot be read (Unknown). It matches ErrSchemaBehind, or
// ErrUnreachable when Unknown.
type BehindError struct {
	Required string   // the build's last engine migration
	Applied  string   // the database's latest applied one; "" for none
	Pending  []string // engine migrations to run, journal order
	Unknown  bool     // the database could not be read: Applied and Pending are unknown
	Reason   string   // why it could not be read (redacted: no password)
	// Edited (tracks.ModifiedSameSecond): pending migrations of which one
	// was edited after it ran, so migrate refuses to run them. Renamed
	// (the same verdict, problem tracks.KindRenamedFolder): pending
	// migrations that ran under another folder name, renamed since. Remedy
	// says what to do instead, in words.
	Edited  []string
	Renamed []string
	Remedy  string
}

func (e *BehindError) Error() string {
	if e.Unknown {
		msg := fmt.Sprintf("Database cannot be reached, so its schema was not checked against this build (which requires engine migration %s). "+
			"Check the database URL, the server and the credentials, or set %s=true to bypass.", e.Required, EnvSkipSchemaCheck)
		if e.Reason != "" {
			msg += " Cause: " + e.Reason
		}
		return msg
	}
	applied, pending := e.Applied, strings.Join(e.Pending, ", ")
	if applied == "" {
		applied = "(none)"
	}
	if len(e.Edited) > 0 || len(e.Renamed) > 0 {
		var why []string
		if len(e.Renamed) > 0 {
			why = append(why, fmt.Sprintf("%s already ran under another folder name, which the ledger records "+
				"(renamed after it ran: running it would run it again)", strings.Join(e.Renamed, ", ")))
		}
		if len(e.Edited) > 0 {
			why = append(why, fmt.Sprintf("a ledger row of the second of %s matches none of them, so one of them was edited after it ran",
				strings.Join(e.Edited, ", ")))
		}
		return fmt.Sprintf("Database schema is out of date: this build requires %s, database is at %s. Pending migration(s): %s. "+
			"They cannot be run: %s (hogsend-db migrate refuses to run them). Fix: %s; or set %s=true to bypass.",
			e.Required, applied, pending, strings.Join(why, "; and "), e.Remedy, EnvSkipSchemaCheck)
	}
	return fmt.Sprintf("Database schema is out of date: this build requires %s, database is at %s. Pending migration(s): %s. "+
		`Run "hogsend-db migrate", or set %s=true to bypass.`, e.Required, applied, pending, EnvSkipSchemaCheck)
}

func (e *BehindError) Unwrap() error {
	if e.Unknown {
		return ErrUnreachable
	}
	return ErrSchemaBehind
}

// ReleaseError is Boot's error when the database records an engine
// release whose major version is above this build's. It matches
// ErrMajorAhead.
type ReleaseError struct {
	Recorded    tracks.Release // what the database records
	BuildEngine string         // this build's engine release
}

func (e *ReleaseError) Error() string {
	by := ""
	if e.Recorded.ToolVersion != "" {
		by = " (by hogsend-db " + e.Recorded.ToolVersion + ")"
	}
	return fmt.Sprintf("Database schema was migrated by engine release %s%s, a newer major release than this build's %s: "+
		"a major release may have contracted the schema this build still reads. Deploy a build of that release, or set %s=true to bypass.",
		e.Recorded.Version, by, e.BuildEngine, EnvSkipSchemaCheck)
}

func (e *ReleaseError) Unwrap() error { return ErrMajorAhead }

// Boot is New followed by (*Guard).Boot: the two lines a server writes
// before it serves,
//
//	g, err := guard.Boot(ctx, pool, guard.WithClientMigrations(os.DirFS("migrations")))
//	if err != nil { log.Fatal(err) }
//
// It returns the Guard (for its Handler) whenever New succeeds, even when
// the check fails.
func Boot(ctx context.Context, q ledger.Querier, opts ...Option) (*Guard, error) {
	g, err := New(q, opts...)
	if err != nil {
		return nil, err
	}
	return g, g.Boot(ctx)
}

// Boot is the check a server runs before it serves. It decides on the
// engine track's verdict (tracks.Judge, as `hogsend-db status` does) and
// returns
//   - *BehindError (ErrSchemaBehind) when the engine track has pending
//     migrations (migrate runs them, or says why it cannot), or
//     (ErrUnreachable) when the database cannot be read;
//   - *ForeignError (ErrForeign) when the engine ledger records another
//     engine's migrations;
//   - *ReleaseError (ErrMajorAhead) when the database records an engine
//     release with a higher major version than this build's.
//
// An engine database ahead of the build passes (expand-only migrations keep
// older builds working), as does a higher minor or patch release or no
// release record at all (a database migrated by drizzle or the Node tool).
// A client track that is behind never fails boot; it shows in the health
// document as "migration_pending" and is logged as a warning.
//
// With SKIP_SCHEMA_CHECK=true (see WithSkipSchemaCheck) Boot logs a warning
// and returns nil without touching the database.
func (g *Guard) Boot(ctx context.Context) error {
	if g.skip {
		g.warn(EnvSkipSchemaCheck+" is set: the database schema was not checked against this build",
			"engine_release", g.build)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	engine := g.tracks[0]
	required := ""
	if n := len(engine.Journal.Migrations); n > 0 {
		required = engine.Journal.Migrations[n-1].Tag
	}
	rep, err := g.status(ctx, true)
	if err != nil {
		return &BehindError{Required: required, Unknown: true, Reason: err.Error()}
	}
	if rep.Release != nil {
		if tracks.ParseRelease(rep.Release.Version) != nil {
			// migrate overwrites an unusable record; until then it says nothing.
			g.warn("ignoring unreadable engine release record", "version", rep.Release.Version)
		}
	}
	// The verdict is tracks.Judge's, the same as `hogsend-db status`.
	s := rep.Schema[tracks.Engine]
	switch s.Verdict {
	case tracks.Foreign:
		return &ForeignError{Ledger: s.Ledger, Matched: s.Matched, Rows: s.Rows, Engine: engine.Location}
	case tracks.ReleaseMajorAhead:
		return &ReleaseError{Recorded: *rep.Release, BuildEngine: g.build}
	case tracks.Pending, tracks.OutOfOrder, tracks.ModifiedSameSecond:
		e := &BehindError{Required: required, Pending: s.Pending}
		if s.Applied != nil {
			e.Applied = *s.Applied
		}
		var remedies []string
		for _, p := range rep.Integrity {
			if p.Track != tracks.Engine {
				continue
			}
			switch p.Kind {
			case string(tracks.ModifiedSameSecond):
				e.Edited, remedies = p.Items, append(remedies, p.Remedy)
			case tracks.KindRenamedFolder:
				e.Renamed, remedies = p.Items, append(remedies, p.Remedy)
			}
		}
		e.Remedy = strings.Join(remedies, "; and ")
		return e
	case tracks.MissingObjects:
		return &MissingObjectsError{Track: tracks.Engine, Missing: s.SchemaCheck.Missing, Remedy: s.SchemaCheck.Remedy}
	case tracks.Modified:
		g.warn("engine migrations modified after they were applied", "modified", strings.Join(s.Modified, ", "))
	}
	if sc := s.SchemaCheck; sc != nil && !sc.Verified {
		g.warn("engine schema not verified", "reason", sc.Reason)
	}
	if c := rep.Schema[tracks.Client]; c != nil && c.MissingObjects() {
		g.warn("client schema objects missing (their migrations are recorded)", "missing", describeMissing(c.SchemaCheck.Missing))
	}
	if c := rep.Schema[tracks.Client]; c != nil && !c.InSync {
		g.warn("client migrations pending: run \"hogsend-db migrate\"", "pending", strings.Join(c.Pending, ", "))
	}
	for _, p := range rep.Integrity {
		if p.Track == tracks.Client {
			g.warn("client migrations: "+p.Message, "kind", p.Kind, "items", strings.Join(p.Items, ", "))
		}
	}
	return nil
}

func (g *Guard) warn(msg string, args ...any) {
	if g.logger != nil {
		g.logger.Warn("guard: "+msg, args...)
	}
}

// MissingObjectsError: objects that recorded engine migrations created are
// missing from the database. The server must not start: its first query on
// them would fail.
type MissingObjectsError struct {
	Track   string
	Missing []verify.Missing
	Remedy  string
}

func (e *MissingObjectsError) Error() string {
	return fmt.Sprintf("Database schema is damaged: the %s ledger is in sync, but %s. %s. Set %s=true to bypass.",
		e.Track, describeMissing(e.Missing), e.Remedy, EnvSkipSchemaCheck)
}

func (e *MissingObjectsError) Unwrap() error { return ErrObjectsMissing }

// describeMissing: "table public.account (created by 0001_auth), ...".
func describeMissing(ms []verify.Missing) string {
	parts := make([]string, 0, len(ms))
	for i, m := range ms {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ms)-i))
			break
		}
		obj := m.Kind + " " + m.Name
		if m.Table != "" {
			obj += " on " + m.Table
		}
		parts = append(parts, obj+" (created by "+m.Migration+") is missing")
	}
	return strings.Join(parts, ", ")
}
