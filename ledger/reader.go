package ledger

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Reader reads a fixed set of ledgers (and the release table) repeatedly,
// as a health probe or a migrate run does. It remembers which tables exist
// and reads those with one plain query (prepared once per connection by
// pgx's statement cache) that also probes the absent ones with
// to_regclass, so a steady-state read is one round trip. When the guess is
// wrong (a table appeared or vanished) it asks the catalog which tables
// exist, with which columns, and reads again. A Reader is safe for
// concurrent use.
type Reader struct {
	tables []Table // the ledgers, then ReleaseTable
	mu     sync.Mutex
	// present[i] says whether tables[i] existed at the last read; nil: not
	// known yet.
	present []bool
	// indexes are the index names whose validity is read too (those the
	// migrations build concurrently).
	indexes []string
	// queries caches the read statement and its arguments by which tables
	// are present: a health probe reads every few seconds.
	queries map[string]query
}

type query struct {
	sql  string
	args []any
}

// ReaderOption configures a Reader at construction.
type ReaderOption func(*Reader)

// WatchIndexes makes every read also report which of these indexes are
// INVALID (Snapshot.InvalidIndexes), in the same statement. Only named
// indexes are looked up, by the catalog's name index: scanning all of
// pg_index would cost as much as reading the ledgers.
func WatchIndexes(names []string) ReaderOption {
	return func(r *Reader) { r.indexes = slices.Clone(names) }
}

// NewReader returns a Reader for the given ledgers (and the release table).
func NewReader(tables []Table, opts ...ReaderOption) (*Reader, error) {
	for _, t := range tables {
		if err := t.Validate(); err != nil {
			return nil, err
		}
	}
	r := &Reader{tables: append(slices.Clone(tables), ReleaseTable)}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// Extra is a statement read with the ledgers, in the same statement and
// round trip: a select in the read's shape (five text columns) whose first
// column is a marker at or below ExtraMarker, as text. Its rows come back in
// Snapshot.Extra. SQL is a format: %[1]d, %[2]d, ... are the numbers of the
// bind parameters Args, in order; it holds no other % verbs.
type Extra struct {
	SQL  string
	Args []any
}

// ExtraMarker is the largest marker an Extra's rows may carry.
const ExtraMarker = -2000

// ExtraRow is one row of an Extra: its marker and the other four columns
// (nil for NULL).
type ExtraRow struct {
	Marker     int
	A, B, C, D *string
}

// Read returns the ledgers and release records, creating nothing.
//
// On a pgx.Tx it asks the catalog first: a wrong guess would fail a
// statement and abort the caller's transaction.
//
// A ledger the database will not let this role read, or whose rows are not
// drizzle's, is an *UnreadableError with the remedy.
func (r *Reader) Read(ctx context.Context, q Querier) (Snapshot, error) {
	return r.ReadWith(ctx, q, nil)
}

// ReadWith is Read that also runs extra (if not nil) in the same statement.
func (r *Reader) ReadWith(ctx context.Context, q Querier, extra *Extra) (Snapshot, error) {
	snap, err := r.readAll(ctx, q, extra)
	if err != nil {
		if !isPermissionDenied(err) {
			return Snapshot{}, err
		}
		// Name only the tables that exist in the grant (the catalog is
		// readable by every role; this costs a round trip on this failure
		// path only). In a transaction the failed read aborted it.
		tables := r.tables
		if _, inTx := q.(pgx.Tx); !inTx {
			if present, perr := r.probe(ctx, q); perr == nil {
				tables = nil
				for i, t := range r.tables {
					if present[i] {
						tables = append(tables, t)
					}
				}
			}
		}
		return Snapshot{}, permissionDenied(err, tables, roleOf(q))
	}
	return snap, nil
}

func (r *Reader) readAll(ctx context.Context, q Querier, extra *Extra) (Snapshot, error) {
	_, inTx := q.(pgx.Tx)
	r.mu.Lock()
	present := slices.Clone(r.present)
	r.mu.Unlock()
	if !inTx {
		if present == nil {
			present = make([]bool, len(r.tables))
			for i := range present {
				present[i] = true // the common case: a migrated database has them all
			}
		}
		snap, appeared, err := r.read(ctx, q, present, extra)
		if err == nil && len(appeared) > 0 {
			// The probes say which tables appeared: read them too, once.
			for _, i := range appeared {
				present[i] = true
			}
			snap, appeared, err = r.read(ctx, q, present, extra)
		}
		switch {
		case err == nil && len(appeared) == 0:
			r.remember(present)
			return snap, nil
		case err != nil && !isMissingObject(err):
			return Snapshot{}, err
		}
	}
	present, err := r.probe(ctx, q)
	if err != nil {
		return Snapshot{}, err
	}
	snap, _, err := r.read(ctx, q, present, extra)
	if err != nil {
		return Snapshot{}, err
	}
	r.remember(present)
	return snap, nil
}

func (r *Reader) remember(present []bool) {
	r.mu.Lock()
	r.present = present
	r.mu.Unlock()
}

// isMissingObject: the guess named a table or column that is not there.
func isMissingObject(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "42P01" || pg.Code == "42703" || pg.Code == "42804")
}

// probeSQL says, for each table name, whether it exists and which columns it has.
const probeSQL = `select u.i::int, c.oid is not null,
  coalesce((select array_agg(a.attname::text order by a.attnum) from pg_catalog.pg_attribute a
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '{}')
from unnest($1::text[]) with ordinality as u(t, i)
left join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(u.t)`

var (
	ledgerColumns  = []string{"id", "hash", "created_at"}
	releaseColumns = []string{"track", "version", "tool_version", "recorded_at"}
)

// probe asks the catalog which tables exist. A table without the columns a
// ledger needs is a *ColumnsError.
func (r *Reader) probe(ctx context.Context, q Querier) ([]bool, error) {
	names := make([]string, len(r.tables))
	for i, t := range r.tables {
		names[i] = t.Ident()
	}
	rows, err := q.Query(ctx, probeSQL, names)
	if err != nil {
		return nil, fmt.Errorf("ledger: read %s: %w", joinTables(r.tables), err)
	}
	defer rows.Close()
	present := make([]bool, len(r.tables))
	for rows.Next() {
		var (
			i      int
			exists bool
			cols   []string
		)
		if err := rows.Scan(&i, &exists, &cols); err != nil {
			return nil, fmt.Errorf("ledger: read %s: %w", joinTables(r.tables), err)
		}
		t, want := r.tables[i-1], ledgerColumns
		if i == len(r.tables) {
			want = releaseColumns
		}
		if exists && !hasAll(cols, want) {
			return nil, &ColumnsError{Table: t, Columns: cols, Want: want}
		}
		present[i-1] = exists
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: read %s: %w", joinTables(r.tables), err)
	}
	return present, nil
}

func hasAll(cols, want []string) bool {
	for _, w := range want {
		if !slices.Contains(cols, w) {
			return false
		}
	}
	return true
}

// read reads the tables believed present with one plain union, probes the
// others, and lists invalid indexes. appeared lists the probed tables that
// now exist.
func (r *Reader) read(ctx context.Context, q Querier, present []bool, extra *Extra) (snap Snapshot, appeared []int, err error) {
	qry := r.query(present, extra)
	last := len(r.tables) - 1
	ledgers := r.tables[:last]
	rows, err := q.Query(ctx, qry.sql, qry.args...)
	if err != nil {
		return Snapshot{}, nil, fmt.Errorf("ledger: read %s: %w", joinTables(ledgers), err)
	}
	defer rows.Close()
	snap = Snapshot{Ledgers: make([]Ledger, len(ledgers)), Releases: map[string]Release{}}
	for i, t := range ledgers {
		snap.Ledgers[i] = Ledger{Table: t, Exists: present[i]}
	}
	// Every column is text: the raw values are the strings themselves,
	// which spares pgx's per-row scan planning, and a string is made only
	// for what a Snapshot keeps (a health probe reads this every few
	// seconds). string(v) of a NULL is "", as Row and Release want it.
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != 5 {
			return Snapshot{}, nil, fmt.Errorf("ledger: read %s: %d columns", joinTables(ledgers), len(raw))
		}
		i, err := strconv.Atoi(string(raw[0]))
		if err != nil {
			return Snapshot{}, nil, fmt.Errorf("ledger: read %s: marker %q: %w", joinTables(ledgers), raw[0], err)
		}
		switch {
		case i <= ExtraMarker:
			snap.Extra = append(snap.Extra, ExtraRow{Marker: i, A: text(raw[1]), B: text(raw[2]), C: text(raw[3]), D: text(raw[4])})
		case i == invalidIndexMarker:
			snap.InvalidIndexes = append(snap.InvalidIndexes, Index{Schema: string(raw[1]), Name: string(raw[2]), Table: string(raw[3])})
		case i < 0:
			if string(raw[4]) == "true" {
				appeared = append(appeared, -i-1)
			}
		case i == 0:
			rel := Release{Track: string(raw[1]), Version: string(raw[2]), ToolVersion: string(raw[3]), RecordedAt: string(raw[4])}
			snap.Releases[rel.Track] = rel
		case raw[1] == nil:
			// The version row of a present ledger: whether it has a name
			// column.
			if string(raw[4]) == "true" {
				snap.Ledgers[i-1].Version = Version1
			}
		default:
			row := Row{Hash: string(raw[2]), Name: string(raw[4])}
			t := ledgers[i-1]
			if row.ID, err = strconv.ParseInt(string(raw[1]), 10, 64); err != nil {
				return Snapshot{}, nil, &UnreadableError{Tables: []Table{t}, Err: err,
					Reason: fmt.Sprintf("a row has id %q, not an integer", raw[1]),
					Remedy: fmt.Sprintf("restore %s from a backup: drizzle-orm creates id as serial", t)}
			}
			if raw[3] == nil {
				row.NullCreatedAt = true
			} else if row.CreatedAt, err = parseMillis(raw[3]); err != nil {
				return Snapshot{}, nil, &UnreadableError{Tables: []Table{t}, Err: err,
					Reason: fmt.Sprintf("row id %d has created_at %q, not an integer (milliseconds)", row.ID, raw[3]),
					Remedy: fmt.Sprintf("set it to the when of its migration in meta/_journal.json: UPDATE %s SET created_at = <when> WHERE id = %d", t.Ident(), row.ID)}
			}
			snap.Ledgers[i-1].Rows = append(snap.Ledgers[i-1].Rows, row)
		}
	}
	if err := rows.Err(); err != nil {
		return Snapshot{}, nil, fmt.Errorf("ledger: read %s: %w", joinTables(ledgers), err)
	}
	for i := range snap.Ledgers {
		slices.SortFunc(snap.Ledgers[i].Rows, func(x, y Row) int { return cmp.Compare(x.ID, y.ID) })
	}
	return snap, appeared, nil
}

// query is the read statement for this set of present tables, built once.
func (r *Reader) query(present []bool, extra *Extra) query {
	key := make([]byte, len(present))
	for i, p := range present {
		if p {
			key[i] = 1
		}
	}
	if extra != nil {
		key = append(append(key, 2), extra.SQL...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if q, ok := r.queries[string(key)]; ok {
		if extra != nil {
			q.args = append(slices.Clip(q.args), extra.Args...)
		}
		return q
	}
	var (
		b    strings.Builder
		args []any
	)
	last := len(r.tables) - 1 // ReleaseTable
	// One statement serves both ledger versions without asking the catalog
	// or converting rows (a health probe sends it every few seconds): the
	// ledgers are read in a lateral subquery, where an unqualified name is
	// the ledger's column when it has one (version 1) and otherwise f.name,
	// a NULL of type record, which no table column can be. Each ledger's
	// version row says which it was. ALTER TABLE invalidates the prepared
	// statement and PostgreSQL resolves name again, so a name column added
	// or dropped later is seen on the next read.
	if last > 0 {
		b.WriteString("select v.* from (select null::record as name) f, lateral (\n  ")
	}
	for i, t := range r.tables {
		switch {
		case i == last && last > 0:
			b.WriteString(") v\nunion all ")
		case i > 0:
			b.WriteString("\n  union all ")
		}
		switch {
		case !present[i]:
			args = append(args, t.Ident())
			fmt.Fprintf(&b, "select '%d'::text, null::text, null::text, null::text, (pg_catalog.to_regclass($%d) is not null)::text", -(i + 1), len(args))
		case i == last:
			fmt.Fprintf(&b, "select '0'::text, track::text, version::text, tool_version::text, recorded_at::text from %s", t.Ident())
		default:
			fmt.Fprintf(&b, "select '%[1]d'::text, id::text, hash::text, created_at::text, name::text from %[2]s"+
				"\n  union all select '%[1]d'::text, null::text, null::text, null::text, "+
				"(pg_catalog.pg_typeof((select name from %[2]s where false)) <> 'pg_catalog.record'::pg_catalog.regtype)::text",
				i+1, t.Ident())
		}
	}
	if len(r.indexes) > 0 {
		args = append(args, r.indexes)
		fmt.Fprintf(&b, "\nunion all "+invalidIndexesSQL, len(args))
	}
	if extra != nil {
		nums := make([]any, len(extra.Args))
		for k := range nums {
			nums[k] = len(args) + k + 1
		}
		b.WriteString("\nunion all ")
		fmt.Fprintf(&b, extra.SQL, nums...)
	}
	if r.queries == nil {
		r.queries = map[string]query{}
	}
	q := query{sql: b.String(), args: args}
	r.queries[string(key)] = q
	if extra != nil {
		q.args = append(slices.Clip(q.args), extra.Args...)
	}
	return q
}

// text turns a raw text value into a string, nil for NULL.
func text(v []byte) *string {
	if v == nil {
		return nil
	}
	s := string(v)
	return &s
}
