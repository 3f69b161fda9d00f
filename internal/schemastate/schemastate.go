// Package schemastate is the home of Atlas in hogsend-db: it opens an Atlas
// driver on one PostgreSQL session, inspects the user schemas (never the
// drizzle ledger schema), diffs two states with Hogsend's normalisation,
// plans SQL for a diff, and replays migrations on a scratch database with an
// inspection after each. Statements and catalog queries run on the session
// Atlas inspects (Exec, Query), so lint can inspect inside an open
// transaction and drift can read the catalog in the inspection's snapshot.
// What drift and lint make of the states (object fingerprints, change
// lists) lives in those packages.
package schemastate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"github.com/hogsend/hogsend-db/internal/dsn"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/internal/sqllex"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
)

// LedgerSchema holds drizzle's ledger tables; it is never inspected.
const LedgerSchema = "drizzle"

// Conn is an Atlas driver bound to ONE database session. Atlas's inspection
// changes search_path on its session, so the session is never shared with
// other work. A Conn is not safe for concurrent use.
type Conn struct {
	db   *sql.DB
	conn *sql.Conn
	drv  migrate.Driver
}

// Connect opens a session to the database at url (URL or key=value DSN) and
// an Atlas driver on it. Errors never contain the password.
func Connect(ctx context.Context, url string) (*Conn, error) {
	if err := dsn.Check(url); err != nil {
		return nil, fmt.Errorf("schemastate: %w", err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("schemastate: %w", redact.ConfigError(url, err))
	}
	// Migrations replay with the strings the runner's lexer reads.
	sqllex.Pin(cfg.RuntimeParams)
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		if pe := (*pgconn.ParseConfigError)(nil); errors.As(err, &pe) {
			return nil, fmt.Errorf("schemastate: %w", redact.ConfigError(url, pe))
		}
		return nil, fmt.Errorf("schemastate: connect to %s: %w", redact.URL(url), redact.Error(err, url))
	}
	drv, err := postgres.Open(conn)
	if err != nil {
		_ = conn.Close()
		_ = db.Close()
		return nil, fmt.Errorf("schemastate: open atlas driver on %s: %w", redact.URL(url), redact.Error(err, url))
	}
	return &Conn{db: db, conn: conn, drv: drv}, nil
}

// Driver returns the Atlas driver bound to the session.
func (c *Conn) Driver() migrate.Driver { return c.drv }

// Close ends the session.
func (c *Conn) Close() error {
	return errors.Join(c.conn.Close(), c.db.Close())
}

// Exec sends sql as-is on the Atlas session (the simple protocol: a string
// may hold several statements, as drizzle allows). Statements run on the
// session Inspect reads, so an inspection inside an open transaction sees
// its uncommitted changes: lint relies on that to inspect after each
// statement of a migration without committing it. The error is the
// driver's, unwrapped (usually a *pgconn.PgError), so callers can read its
// SQLSTATE and position.
func (c *Conn) Exec(ctx context.Context, sql string) error {
	return c.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("schemastate: exec: unexpected driver connection %T", dc)
		}
		_, err := sc.Conn().Exec(ctx, sql)
		return err
	})
}

// Query runs a catalog query on the session, arguments bound as parameters.
// Reading the catalog on the session Atlas inspects sees what its
// inspection sees (the same snapshot inside InSnapshot).
func (c *Conn) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.conn.QueryContext(ctx, query, args...)
}

// QueryRow is Query for a query returning one row.
func (c *Conn) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return c.conn.QueryRowContext(ctx, query, args...)
}

// Inspect returns the realm of every user schema of the database: all
// schemas but the system ones, extension-owned ones and LedgerSchema.
// The ledger schema is left out of the query, not filtered afterwards, so
// its cost is not paid.
func (c *Conn) Inspect(ctx context.Context) (*schema.Realm, error) {
	names, err := c.userSchemas(ctx)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return schema.NewRealm(), nil
	}
	r, err := c.drv.InspectRealm(ctx, &schema.InspectRealmOption{Schemas: names})
	if err != nil {
		return nil, fmt.Errorf("schemastate: inspect: %w", err)
	}
	return r, nil
}

// InSnapshot runs fn (Inspect, Unseen, …) inside one read-only REPEATABLE
// READ transaction on the session, so that all of their catalog queries see
// the database at one moment. Atlas inspects tables, columns and indexes
// with separate queries: without a snapshot, a migration committing in
// between can show an index before the column it is built on ("column …
// was not found for index …"). Not for a session that is already inside a
// transaction (lint's).
func (c *Conn) InSnapshot(ctx context.Context, fn func() error) error {
	if err := c.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return fmt.Errorf("schemastate: begin snapshot: %w", err)
	}
	err := fn()
	end := "COMMIT"
	if err != nil {
		end = "ROLLBACK"
	}
	if endErr := c.Exec(context.WithoutCancel(ctx), end); endErr != nil && err == nil {
		err = fmt.Errorf("schemastate: end snapshot: %w", endErr)
	}
	return err
}

// userSchemasQuery lists the schemas Inspect looks at. Atlas itself also
// drops schemas that belong to an extension.
const userSchemasQuery = `
SELECT nspname FROM pg_catalog.pg_namespace
WHERE nspname <> $1
  AND nspname <> 'information_schema'
  AND nspname NOT LIKE 'pg\_%'
ORDER BY nspname`

func (c *Conn) userSchemas(ctx context.Context) ([]string, error) {
	rows, err := c.conn.QueryContext(ctx, userSchemasQuery, LedgerSchema)
	if err != nil {
		return nil, fmt.Errorf("schemastate: list schemas: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("schemastate: list schemas: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schemastate: list schemas: %w", err)
	}
	return names, nil
}

// Inspect connects to url, inspects its user schemas (see Conn.Inspect) and
// disconnects.
func Inspect(ctx context.Context, url string) (*schema.Realm, error) {
	c, err := Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Inspect(ctx)
}

// Plan turns changes into SQL statements, one per Atlas planned change, in
// order. With a nil c, Atlas's connection-less PostgreSQL planner is used.
func Plan(ctx context.Context, c *Conn, changes []schema.Change) ([]string, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	var planner migrate.PlanApplier = postgres.DefaultPlan
	if c != nil {
		planner = c.drv
	}
	p, err := planner.PlanChanges(ctx, "plan", changes)
	if err != nil {
		return nil, fmt.Errorf("schemastate: plan: %w", err)
	}
	out := make([]string, 0, len(p.Changes))
	for _, ch := range p.Changes {
		if len(ch.Args) > 0 {
			// Never seen for PostgreSQL; refuse rather than drop arguments.
			return nil, fmt.Errorf("schemastate: plan: statement with bind arguments: %s", ch.Cmd)
		}
		out = append(out, ch.Cmd)
	}
	return out, nil
}
