package ledger

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// UnreadableError: the database answered, but a ledger could not be read
// (the role may not read it, or a row holds what drizzle never writes).
// It is not "database down": Reason says what is wrong and Remedy what to
// run, as data for the caller to show.
type UnreadableError struct {
	Tables []Table // the ledgers concerned
	Reason string  // "permission denied for table __drizzle_migrations", ...
	Remedy string  // the statement or action that fixes it
	Err    error
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("ledger: cannot read %s: %s; fix: %s", joinTables(e.Tables), e.Reason, e.Remedy)
}

func (e *UnreadableError) Unwrap() error { return e.Err }

// isPermissionDenied: PostgreSQL's insufficient_privilege.
func isPermissionDenied(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42501"
}

// permissionDenied turns PostgreSQL's insufficient_privilege into an
// UnreadableError naming the grants a read-only role needs; other errors
// are returned as they are.
func permissionDenied(err error, tables []Table, role string) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "42501" {
		return err
	}
	if role == "" {
		role = "<role>"
	} else {
		role = pgx.Identifier{role}.Sanitize()
	}
	schemas := map[string]bool{}
	var names, schemaNames []string
	for _, t := range tables {
		names = append(names, t.Ident())
		if !schemas[t.Schema] {
			schemas[t.Schema] = true
			schemaNames = append(schemaNames, pgx.Identifier{t.Schema}.Sanitize())
		}
	}
	return &UnreadableError{Tables: tables, Reason: pg.Message, Err: err,
		Remedy: fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s; GRANT SELECT ON %s TO %s",
			strings.Join(schemaNames, ", "), role, strings.Join(names, ", "), role)}
}

// roleOf is the role a connection logs in as, when the querier tells.
func roleOf(q Querier) string {
	switch c := q.(type) {
	case pgx.Tx:
		if conn := c.Conn(); conn != nil {
			return conn.Config().User
		}
	case interface{ Config() *pgx.ConnConfig }:
		return c.Config().User
	}
	return ""
}
