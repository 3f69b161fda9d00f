// Package ledger owns the bookkeeping tables: drizzle-orm's migrations
// table, in both of its versions: version 0 (id serial, hash text,
// created_at bigint), written by drizzle-orm 0.x, and version 1 (the same
// plus name text and applied_at timestamptz), written by drizzle-orm 1.0;
// and hogsend-db's release side table (ReleaseTable).
//
// A read also answers, in the same statement and round trip, which of the
// indexes its caller watches are INVALID (WatchIndexes): a failed CREATE
// INDEX CONCURRENTLY leaves one behind, and a migration that built one is
// not applied whatever its ledger row says. The read is what guard and a
// health probe pay for, so it stays one round trip rather than moving to
// a package of its own.
//
// Reading never creates anything and treats a missing table as empty, so it
// is safe for read-only roles, health probes and dry runs. Writing creates
// the schema and table exactly as drizzle-orm does and inserts rows in the
// caller's transaction, so a row commits or rolls back with its migration.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what the ledger needs from a connection. *pgx.Conn, pgx.Tx and
// *pgxpool.Pool all satisfy it.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Querier is satisfied by the pgx types its comment names; the pool is
// checked in the tests (ledger does not import pgxpool).
var (
	_ Querier = (*pgx.Conn)(nil)
	_ Querier = pgx.Tx(nil)
)

// Table names a ledger table.
type Table struct {
	Schema string
	Name   string
}

// The two tracks' default ledgers.
var (
	EngineTable = Table{Schema: "drizzle", Name: "__drizzle_migrations"}
	ClientTable = Table{Schema: "drizzle", Name: "__client_migrations"}
)

// String is the human name, "drizzle.__drizzle_migrations".
var _ fmt.Stringer = Table{}

func (t Table) String() string { return t.Schema + "." + t.Name }

// Ident is the quoted SQL name, "drizzle"."__drizzle_migrations".
func (t Table) Ident() string { return pgx.Identifier{t.Schema, t.Name}.Sanitize() }

// Validate rejects names PostgreSQL would refuse or silently truncate.
func (t Table) Validate() error {
	for _, part := range []string{t.Schema, t.Name} {
		if part == "" || len(part) > 63 || strings.ContainsRune(part, 0) {
			return fmt.Errorf("ledger: invalid table name %q: each part must be 1 to 63 bytes without NUL", t.String())
		}
	}
	return nil
}

// Row is one ledger row.
type Row struct {
	ID            int64
	Hash          string
	CreatedAt     int64 // the journal entry's "when", in epoch milliseconds
	NullCreatedAt bool  // created_at IS NULL: drizzle re-runs everything after such a row
	// Name is the migration's folder name (version 1 only); "" when the
	// column is NULL or absent.
	Name string
}

// Ledger versions, as drizzle-orm 1.0 tells them apart: a table with a
// "name" column is version 1.
const (
	Version0 = 0 // id, hash, created_at: drizzle-orm 0.x
	Version1 = 1 // id, hash, created_at, name, applied_at: drizzle-orm 1.0
)

// Ledger is what was read from one table.
type Ledger struct {
	Table   Table
	Exists  bool
	Version int   // Version0 or Version1; Version0 when the table does not exist
	Rows    []Row // ordered by id
}

// ErrWrongColumns: the table exists but is not a drizzle ledger.
var ErrWrongColumns = errors.New("not a drizzle ledger table")

// ColumnsError says which columns a would-be ledger table has.
type ColumnsError struct {
	Table   Table
	Columns []string // what it has
	Want    []string // what it needs
}

func (e *ColumnsError) Error() string {
	return fmt.Sprintf("ledger: %s has columns (%s), want (%s): %v; rename or drop that table (it is not drizzle's)",
		e.Table, strings.Join(e.Columns, ", "), strings.Join(e.Want, ", "), ErrWrongColumns)
}
func (e *ColumnsError) Unwrap() error { return ErrWrongColumns }

// Snapshot is everything the bookkeeping tables say, read at once.
type Snapshot struct {
	Ledgers  []Ledger           // in the order asked for
	Releases map[string]Release // by track, from ReleaseTable; empty if it does not exist

	// InvalidIndexes are indexes PostgreSQL marks INVALID: left by a failed
	// CREATE INDEX CONCURRENTLY (or being built right now). They are read
	// with the ledgers, in the same statement, because a migration that
	// built one is not applied whatever its ledger row says.
	InvalidIndexes []Index

	// Extra holds the rows of the Extra passed to ReadWith.
	Extra []ExtraRow
}

// Index names an index.
type Index struct {
	Schema, Name, Table string
}

// invalidIndexMarker tags the invalid-index rows of the read statements.
const invalidIndexMarker = -1000

// invalidIndexesSQL lists the invalid ones among the watched index names
// (bind parameter %d, a text array) in the five-column shape of the read
// (marker, schema, index, table, null), through pg_class's name index.
const invalidIndexesSQL = `select '-1000'::text, n.nspname::text, c.relname::text, t.relname::text, null::text
from pg_catalog.pg_class c join pg_catalog.pg_index i on i.indexrelid = c.oid
join pg_catalog.pg_class t on t.oid = i.indrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relname = any($%d::text[]) and not i.indisvalid`

// ReadSnapshot reads the given ledgers and the release records without
// creating anything (a missing table is an empty ledger with Exists=false): one round trip when they all exist, three when some do
// not (two in a transaction). For repeated reads keep a Reader.
func ReadSnapshot(ctx context.Context, q Querier, tables ...Table) (Snapshot, error) {
	r, err := NewReader(tables)
	if err != nil {
		return Snapshot{}, err
	}
	return r.Read(ctx, q)
}

func joinTables(ts []Table) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// parseMillis accepts bigint text and numeric text ("1795304834121" or
// "1795304834121.000"), since drizzle's drivers create either type.
func parseMillis(v []byte) (int64, error) {
	// bigint text, the common case, parsed without copying v
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, nil
	}
	f, _, err := big.ParseFloat(string(v), 10, 128, big.ToZero)
	if err != nil {
		return 0, err
	}
	n, acc := f.Int64()
	if acc != big.Exact && !f.IsInt() {
		return 0, fmt.Errorf("not a whole number of milliseconds")
	}
	return n, nil
}

// EnsureSQL is drizzle-orm's own DDL for a ledger, byte for byte apart from
// the names, so that a table created by either tool is the same. With
// schemaExists the CREATE SCHEMA is left out: PostgreSQL checks the CREATE
// privilege on the database before it looks at IF NOT EXISTS, so a role
// that owns an existing "drizzle" schema but may not create schemas could
// never create its second ledger otherwise.
func EnsureSQL(t Table, schemaExists bool) string {
	return EnsureVersionSQL(t, schemaExists, Version0)
}

// EnsureVersionSQL is EnsureSQL for a ledger of the given version: version
// 1 is drizzle-orm 1.0's DDL, byte for byte apart from the names and the
// surrounding whitespace of its template literal.
func EnsureVersionSQL(t Table, schemaExists bool, version int) string {
	table := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n\t\t\tid SERIAL PRIMARY KEY,\n\t\t\thash text NOT NULL,\n\t\t\tcreated_at bigint\n\t\t)", t.Ident())
	if version == Version1 {
		table = fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n\t\t\t\tid SERIAL PRIMARY KEY,\n\t\t\t\thash text NOT NULL,\n\t\t\t\tcreated_at bigint,\n\t\t\t\tname text,\n\t\t\t\tapplied_at timestamp with time zone DEFAULT now()\n\t\t\t)", t.Ident())
	}
	if schemaExists {
		return table
	}
	return "CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{t.Schema}.Sanitize() + ";\n" + table
}

// SchemaExists reports whether the ledger's schema exists.
func SchemaExists(ctx context.Context, q Querier, t Table) (bool, error) {
	var ok bool
	if err := q.QueryRow(ctx, "select exists(select 1 from pg_catalog.pg_namespace where nspname = $1)", t.Schema).Scan(&ok); err != nil {
		return false, fmt.Errorf("ledger: look up schema %s: %w", t.Schema, err)
	}
	return ok, nil
}

// Ensure creates the ledger's schema (when missing) and table if they do
// not exist.
func Ensure(ctx context.Context, q Querier, t Table) error {
	return EnsureVersion(ctx, q, t, Version0)
}

// EnsureVersion is Ensure for a ledger of the given version. An existing
// table is left as it is, whatever its version.
func EnsureVersion(ctx context.Context, q Querier, t Table, version int) error {
	if err := t.Validate(); err != nil {
		return err
	}
	exists, err := SchemaExists(ctx, q, t)
	if err != nil {
		return err
	}
	for _, stmt := range strings.Split(EnsureVersionSQL(t, exists, version), ";\n") {
		if _, err := q.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("ledger: create %s: %w", t, err)
		}
	}
	return nil
}

// InsertSQL is drizzle-orm's insert, with the hash and created_at as the
// two bind parameters.
func InsertSQL(t Table) string {
	return fmt.Sprintf(`insert into %s ("hash", "created_at") values ($1, $2)`, t.Ident())
}

// InsertManySQL inserts many rows in one statement, in array order (so ids
// follow it, as drizzle's one-by-one inserts would): $1 hashes, $2
// created_at values.
func InsertManySQL(t Table) string {
	return fmt.Sprintf(`insert into %s ("hash", "created_at") select h, c from unnest($1::text[], $2::bigint[]) as u(h, c)`, t.Ident())
}

// Insert records one applied migration in the caller's transaction.
func Insert(ctx context.Context, q Querier, t Table, hash string, createdAt int64) error {
	if _, err := q.Exec(ctx, InsertSQL(t), hash, createdAt); err != nil {
		return fmt.Errorf("ledger: insert into %s: %w", t, err)
	}
	return nil
}

// InsertNamedSQL is drizzle-orm 1.0's insert into a version-1 ledger: $1
// hash, $2 created_at, $3 name (NULL for none).
func InsertNamedSQL(t Table) string {
	return fmt.Sprintf(`insert into %s ("hash", "created_at", "name") values ($1, $2, $3)`, t.Ident())
}

// InsertManyNamedSQL is InsertManySQL for a version-1 ledger: $3 names
// (a text array; NULL elements for none).
func InsertManyNamedSQL(t Table) string {
	return fmt.Sprintf(`insert into %s ("hash", "created_at", "name") select h, c, n from unnest($1::text[], $2::bigint[], $3::text[]) as u(h, c, n)`, t.Ident())
}

// RecordedMark is in the error DuplicateGuardSQL raises, followed by the
// created_at values of the rows already recorded, comma-separated.
const RecordedMark = "hogsend-db: already recorded by another session: "

// DuplicateGuardSQL fails (SQLSTATE 22P02, RecordedMark in the message) when
// the ledger already holds a row with the hash and created_at of one of the
// rows about to be inserted ($1 hashes, $2 created_at values and, named, $3
// names: the parameters of InsertManySQL and InsertManyNamedSQL). Under READ
// COMMITTED it sees rows another session committed meanwhile, so a migration
// recorded twice (its lock given away and retaken) rolls back instead. The
// cast in the ELSE branch raises the error; it depends on the rows read, so
// the planner cannot fold it.
func DuplicateGuardSQL(t Table, named bool) string {
	from, name := "unnest($1::text[], $2::bigint[]) with ordinality as u(h, c, o)", ""
	if named {
		from = "unnest($1::text[], $2::bigint[], $3::text[]) with ordinality as u(h, c, n, o)"
		name = ` and l."name" is not distinct from u.n`
	}
	return fmt.Sprintf(`select case when s.d is null then 0 else ('%s' || s.d)::int end from (select pg_catalog.string_agg(u.c::text, ',' order by u.o) as d from %s where exists (select 1 from %s l where l."hash" = u.h and l."created_at" = u.c%s)) s`,
		RecordedMark, from, t.Ident(), name)
}

// InsertNamed records one applied migration in a version-1 ledger, in the
// caller's transaction; an empty name is NULL.
func InsertNamed(ctx context.Context, q Querier, t Table, hash string, createdAt int64, name string) error {
	var n *string
	if name != "" {
		n = &name
	}
	if _, err := q.Exec(ctx, InsertNamedSQL(t), hash, createdAt, n); err != nil {
		return fmt.Errorf("ledger: insert into %s: %w", t, err)
	}
	return nil
}

// TextArray renders a PostgreSQL text array literal for a bind parameter
// in text format: every element quoted, "" as NULL.
func TextArray(elems []string) []byte {
	b := []byte{'{'}
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		if e == "" {
			b = append(b, "NULL"...)
			continue
		}
		b = append(b, '"')
		for j := 0; j < len(e); j++ {
			if e[j] == '"' || e[j] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, e[j])
		}
		b = append(b, '"')
	}
	return append(b, '}')
}
