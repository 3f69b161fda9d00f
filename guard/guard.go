// Package guard is what a Hogsend server imports to check its database at
// boot and in GET /v1/health:
//
//	g, err := guard.Boot(ctx, pool)            // *pgxpool.Pool, *pgx.Conn, pgx.Tx
//	if err != nil { log.Fatal(err) }           // engine behind: refuse to serve
//	mux.Handle("GET /v1/health", g.Handler())  // the status document as JSON
//
// It computes the same report as `hogsend-db status --json` with the same
// code (tracks.Status): both ledgers and the engine release record are read
// in one statement, so one network round trip. It never takes the migration
// lock, never writes and never creates anything, so it works for read-only
// roles and is cheap enough for a health probe.
//
// The package stays small because servers vendor it: it imports the
// standard library, pgx, go-version and this module's journal, ledger,
// tracks, engine and internal/redact packages, never Atlas or the CLI's libraries.
package guard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// EnvSkipSchemaCheck is the environment variable read by default to skip
// the boot check.
const EnvSkipSchemaCheck = "SKIP_SCHEMA_CHECK"

// Report is the status document: tracks.Report, the type `status --json`
// prints.
type Report = tracks.Report

// CheckFunc checks one extra component of the server (Redis, say). A
// non-nil error marks the component down and the report degraded.
type CheckFunc func(ctx context.Context) error

// Guard checks one database against this build's migrations. It is safe
// for concurrent use.
type Guard struct {
	run       func(ctx context.Context, f func(ledger.Querier) error) error
	tracks    []tracks.Loaded
	inspector *tracks.Inspector // remembers which ledgers exist: one plain query per check
	build     string            // the engine release of this build
	skip      bool
	logger    *slog.Logger
	checks    []namedCheck
	timeout   time.Duration
	secret    string

	// verifyEvery bounds how often Check compares the schema with the
	// snapshots; verified holds the last result, per track.
	verifyEvery time.Duration
	verifyMu    sync.Mutex
	verifiedAt  time.Time
	verified    map[string]*tracks.SchemaCheck // the connection's password, scrubbed from error text
}

type namedCheck struct {
	name string
	fn   CheckFunc
}

type config struct {
	client        fs.FS
	engine        fs.FS // nil: the engine bundled in this module
	skip          *bool
	logger        *slog.Logger
	checks        []namedCheck
	timeout       time.Duration
	verifyEvery   time.Duration
	getenv        func(string) string
	engineRelease string
}

// Option configures a Guard. Options are validated by New, so a
// misconfiguration fails at construction, not in a health probe.
type Option interface{ apply(*config) error }

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

var _ Option = optionFunc(nil)

// WithClientMigrations supplies the client track's drizzle-kit folder
// (os.DirFS("migrations"), an embed.FS rooted at the folder, ...). Without
// it the client track is an empty journal, always in sync; its ledger is
// still read. A folder that cannot be opened or has no meta/_journal.json
// makes New fail with a *tracks.SourceError (matching tracks.ErrNoSource),
// as does an invalid journal: a server given the wrong folder must not
// report a healthy, empty client track.
func WithClientMigrations(fsys fs.FS) Option {
	return optionFunc(func(c *config) error {
		if fsys == nil {
			return errors.New("guard: WithClientMigrations: nil fs.FS")
		}
		c.client = fsys
		return nil
	})
}

// WithEngine supplies the engine track: a drizzle-kit folder (an embed.FS
// rooted at the folder, os.DirFS, ...) and the engine release it belongs
// to, a semantic version MAJOR.MINOR.PATCH. Without it guard checks the
// engine bundled in this module (package engine). A server that embeds
// its own engine folder passes it here; New reads and validates both.
func WithEngine(fsys fs.FS, release string) Option {
	return optionFunc(func(c *config) error {
		if fsys == nil {
			return errors.New("guard: WithEngine: nil fs.FS")
		}
		if err := tracks.ValidRelease(release); err != nil {
			return fmt.Errorf("guard: WithEngine: %w", err)
		}
		c.engine, c.engineRelease = fsys, release
		return nil
	})
}

// WithSkipSchemaCheck decides whether Boot skips the check. By default it
// is read from the environment variable SKIP_SCHEMA_CHECK (a strconv
// boolean: "true", "1", ...).
func WithSkipSchemaCheck(skip bool) Option {
	return optionFunc(func(c *config) error {
		c.skip = &skip
		return nil
	})
}

// WithGetenv replaces os.Getenv for reading SKIP_SCHEMA_CHECK.
func WithGetenv(getenv func(string) string) Option {
	return optionFunc(func(c *config) error {
		if getenv == nil {
			return errors.New("guard: WithGetenv: nil function")
		}
		c.getenv = getenv
		return nil
	})
}

// WithLogger receives the warning Boot logs when the check is skipped.
// Without it nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) error {
		c.logger = l
		return nil
	})
}

// WithComponent adds a named check to the report's components (and so to
// the health document). A failing check makes the status "degraded".
func WithComponent(name string, check CheckFunc) Option {
	return optionFunc(func(c *config) error {
		switch {
		case strings.TrimSpace(name) == "":
			return errors.New("guard: WithComponent: empty name")
		case name == "database":
			return errors.New(`guard: WithComponent: "database" is guard's own component`)
		case check == nil:
			return fmt.Errorf("guard: WithComponent %q: nil check", name)
		}
		for _, nc := range c.checks {
			if nc.name == name {
				return fmt.Errorf("guard: WithComponent %q: added twice", name)
			}
		}
		c.checks = append(c.checks, namedCheck{name, check})
		return nil
	})
}

// DefaultVerifyInterval is how often Check verifies the schema (each
// applied snapshot's tables, columns, indexes, constraints and enum labels
// against the catalog) unless WithVerifyInterval says otherwise. Boot always
// verifies; a health probe every few seconds does not need to, and the
// catalog read is then skipped, leaving the ledger read alone.
const DefaultVerifyInterval = time.Minute

// WithVerifyInterval sets how often Check verifies the schema; between
// verifications, Check reports the last result.
func WithVerifyInterval(d time.Duration) Option {
	return durationOption("WithVerifyInterval", d, func(c *config) { c.verifyEvery = d })
}

// WithTimeout bounds each Check (the ledger read and every component
// check). The default is 5 seconds; the caller's context may end it sooner.
func WithTimeout(d time.Duration) Option {
	return durationOption("WithTimeout", d, func(c *config) { c.timeout = d })
}

// durationOption is an option named name that sets a duration, which must
// be positive.
func durationOption(name string, d time.Duration, set func(*config)) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("guard: %s: %s is not positive", name, d)
		}
		set(c)
		return nil
	})
}

// withEngineRelease overrides the build's engine release (tests).
func withEngineRelease(v string) Option {
	return optionFunc(func(c *config) error {
		c.engineRelease = v
		return nil
	})
}

// New returns a Guard reading through q: a *pgxpool.Pool (recommended for
// a server), a *pgx.Conn or a pgx.Tx. Checks on a *pgx.Conn or pgx.Tx are
// serialized, since those are not safe for concurrent use.
func New(q ledger.Querier, opts ...Option) (*Guard, error) {
	if q == nil {
		return nil, errors.New("guard: nil querier")
	}
	run := func(_ context.Context, f func(ledger.Querier) error) error { return f(q) }
	switch q.(type) {
	case *pgx.Conn, pgx.Tx:
		var mu sync.Mutex
		run = func(_ context.Context, f func(ledger.Querier) error) error {
			mu.Lock()
			defer mu.Unlock()
			return f(q)
		}
	}
	g, err := newGuard(run, opts)
	if err != nil {
		return nil, err
	}
	g.secret = passwordOf(q)
	return g, nil
}

// NewSQL returns a Guard reading through a database/sql pool opened with
// pgx's driver (github.com/jackc/pgx/v5/stdlib, driver name "pgx"). Each
// check borrows one connection and runs on the *pgx.Conn underneath it
// (sql.Conn.Raw), so it is the same single statement as with New. Another
// driver (lib/pq) makes every check fail with ErrNotPgx.
func NewSQL(db *sql.DB, opts ...Option) (*Guard, error) {
	if db == nil {
		return nil, errors.New("guard: nil *sql.DB")
	}
	run := func(ctx context.Context, f func(ledger.Querier) error) error {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(driverConn any) error {
			// *stdlib.Conn; asserted by method so guard need not import
			// stdlib (and register its drivers) for servers that do not.
			pc, ok := driverConn.(interface{ Conn() *pgx.Conn })
			if !ok {
				return fmt.Errorf("%w (got %T)", ErrNotPgx, driverConn)
			}
			return f(pc.Conn())
		})
	}
	return newGuard(run, opts)
}

// ErrNotPgx: NewSQL was given a *sql.DB whose driver is not pgx's stdlib.
var ErrNotPgx = errors.New("guard: *sql.DB driver is not github.com/jackc/pgx/v5/stdlib")

func newGuard(run func(context.Context, func(ledger.Querier) error) error, opts []Option) (*Guard, error) {
	c := config{getenv: os.Getenv, timeout: 5 * time.Second, verifyEvery: DefaultVerifyInterval}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("guard: nil option")
		}
		if err := o.apply(&c); err != nil {
			return nil, err
		}
	}
	g := &Guard{run: run, logger: c.logger, checks: c.checks, timeout: c.timeout, verifyEvery: c.verifyEvery}
	if c.skip != nil {
		g.skip = *c.skip
	} else if v := c.getenv(EnvSkipSchemaCheck); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("guard: %s=%q is not a boolean (true or false)", EnvSkipSchemaCheck, v)
		}
		g.skip = b
	}

	engineTrack := tracks.NewEngineTrack(engine.Migrations(), "bundled", "bundled", engine.Version)
	if c.engine != nil {
		engineTrack = tracks.NewEngineTrack(c.engine, "embedded", "guard.WithEngine", c.engineRelease)
	} else if c.engineRelease != "" {
		engineTrack.Release = c.engineRelease
	}
	if err := tracks.ParseRelease(engineTrack.Release); err != nil {
		return nil, fmt.Errorf("guard: engine release %q: %w", engineTrack.Release, err)
	}
	g.build = engineTrack.Release
	// Given migrations must be a drizzle-kit folder; only "not given" is
	// an empty (unchecked) track.
	clientTrack := tracks.Track{Name: tracks.Client, Source: c.client, Location: "client migrations",
		Ledger: ledger.ClientTable, Optional: c.client == nil}
	ts, err := tracks.LoadAll(engineTrack, clientTrack)
	if err != nil {
		return nil, fmt.Errorf("guard: %w", err)
	}
	if c.client == nil {
		ts[1].Note = "client migrations not given to guard (guard.WithClientMigrations): not checked"
	}
	g.tracks = ts
	if g.inspector, err = tracks.NewInspector(ts); err != nil {
		return nil, fmt.Errorf("guard: %w", err)
	}
	return g, nil
}

// Check reads the database and returns the status document: the same as
// `hogsend-db status --json`, plus the components added with
// WithComponent. It never fails: a database that cannot be read gives a
// "degraded" report whose database component carries the (redacted)
// error and whose pending lists are empty and unknown.
func (g *Guard) Check(ctx context.Context) *Report {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	results := make(chan result, len(g.checks))
	for _, nc := range g.checks {
		go func() { results <- result{nc.name, nc.fn(ctx)} }()
	}
	rep, _ := g.status(ctx, false)
	for range g.checks {
		var r result
		select {
		case r = <-results:
		case <-ctx.Done():
			// A check that ignores its context must not hang the probe:
			// the remaining ones are down. Their goroutines finish into
			// the buffered channel.
			for _, nc := range g.checks {
				if _, done := rep.Components[nc.name]; !done {
					rep.Components[nc.name] = tracks.Component{Status: "down", Error: "check did not finish: " + ctx.Err().Error()}
				}
			}
			rep.Status = tracks.StatusDegraded
			return rep
		}
		c := tracks.Component{Status: "up"}
		if r.err != nil {
			c = tracks.Component{Status: "down", Error: redact.Text(r.err.Error(), g.secret)}
			rep.Status = tracks.StatusDegraded
		}
		rep.Components[r.name] = c
	}
	return rep
}

// status is the schema part of Check; err is the redacted read error, and
// the report is then the degraded one.
func (g *Guard) status(ctx context.Context, mustVerify bool) (*Report, error) {
	g.verifyMu.Lock()
	due := mustVerify || g.verified == nil || time.Since(g.verifiedAt) >= g.verifyEvery
	g.verifyMu.Unlock()
	var rep *Report
	err := g.run(ctx, func(q ledger.Querier) error {
		var err error
		if due {
			rep, err = g.inspector.Verify(ctx, q)
		} else {
			rep, err = g.inspector.Status(ctx, q)
		}
		return err
	})
	if err != nil {
		scrub := func(s string) string { return redact.Text(s, g.secret) }
		return tracks.DegradedFor(g.tracks, err, scrub), errors.New(scrub(err.Error()))
	}
	g.verifyMu.Lock()
	defer g.verifyMu.Unlock()
	if due {
		g.verifiedAt, g.verified = time.Now(), map[string]*tracks.SchemaCheck{}
		for name, s := range rep.Schema {
			g.verified[name] = s.SchemaCheck
		}
	} else {
		for name, s := range rep.Schema {
			s.SchemaCheck = g.verified[name]
		}
	}
	return rep, nil
}

// passwordOf finds the password of a *pgx.Conn or pgx.Tx, so that error
// text can be scrubbed of it even when it is not written URL-style.
func passwordOf(q ledger.Querier) string {
	if tx, ok := q.(pgx.Tx); ok {
		if c := tx.Conn(); c != nil {
			return c.Config().Password
		}
		return ""
	}
	if c, ok := q.(interface{ Config() *pgx.ConnConfig }); ok {
		if cfg := c.Config(); cfg != nil {
			return cfg.Password
		}
	}
	return ""
}
