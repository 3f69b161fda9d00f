package tracks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// ErrInvalidIndex: a CREATE INDEX CONCURRENTLY left an INVALID index.
var ErrInvalidIndex = errors.New("invalid index left by CREATE INDEX CONCURRENTLY")

// InvalidIndex is an index PostgreSQL marks INVALID that a migration of the
// track builds concurrently: the build failed (duplicate data for a unique
// index, a deadlock, a cancel) or is running right now. The migration is not
// really applied, whatever the ledger says, and CREATE INDEX CONCURRENTLY IF
// NOT EXISTS would skip the index silently on a re-run.
type InvalidIndex struct {
	Index     string `json:"index"` // schema.name
	Table     string `json:"table"`
	Migration string `json:"migration"` // the tag that builds it
	Remedy    string `json:"remedy"`
}

func invalidRemedy(schema, name string) string {
	return fmt.Sprintf("DROP INDEX CONCURRENTLY %s; fix the data that made the build fail (e.g. duplicates for a unique index); then migrate again",
		pgx.Identifier{schema, name}.Sanitize())
}

// invalidFor attributes invalid indexes to the migrations that build them
// (the last one in journal order wins).
func invalidFor(j *journal.Journal, idx []ledger.Index) []InvalidIndex {
	out := []InvalidIndex{}
	if len(idx) == 0 {
		return out
	}
	builder := map[string]string{}
	for _, m := range j.Migrations {
		for _, name := range m.ConcurrentIndexes() {
			builder[name] = m.Tag
		}
	}
	for _, ix := range idx {
		if tag, ok := builder[ix.Name]; ok {
			out = append(out, InvalidIndex{Index: ix.Schema + "." + ix.Name, Table: ix.Table, Migration: tag, Remedy: invalidRemedy(ix.Schema, ix.Name)})
		}
	}
	slices.SortFunc(out, func(a, b InvalidIndex) int { return strings.Compare(a.Index, b.Index) })
	return out
}

// InvalidIndexError: a no-transaction migration's concurrent index build
// left (or met) an INVALID index; the migration was not recorded.
type InvalidIndexError struct {
	Track, Tag string
	Indexes    []InvalidIndex
	Err        error // the statement error, if the build itself failed
}

func (e *InvalidIndexError) Error() string {
	names := make([]string, len(e.Indexes))
	for i, ix := range e.Indexes {
		names[i] = ix.Index
	}
	msg := fmt.Sprintf("%s track: %s: index %s is INVALID (a CREATE INDEX CONCURRENTLY failed; IF NOT EXISTS skips such an index silently), so the migration was not recorded",
		e.Track, e.Tag, strings.Join(names, ", "))
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg + ". Remedy: " + e.Indexes[0].Remedy
}

func (e *InvalidIndexError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidIndex, e.Err}
	}
	return []error{ErrInvalidIndex}
}

// checkConcurrentIndexes returns an *InvalidIndexError when an index the
// migration builds concurrently is INVALID.
func checkConcurrentIndexes(ctx context.Context, conn *pgx.Conn, t Loaded, m *journal.Migration, cause error) error {
	names := m.ConcurrentIndexes()
	if len(names) == 0 {
		return cause
	}
	rows, err := conn.Query(ctx, `select n.nspname::text, c.relname::text, t.relname::text
		from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid
		join pg_catalog.pg_class t on t.oid = i.indrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where not i.indisvalid and c.relname = any($1) and pg_catalog.pg_table_is_visible(c.oid)`, names)
	if err != nil {
		if cause != nil {
			return cause
		}
		return fmt.Errorf("%s track: %s: check its concurrent indexes: %w", t.Name, m.Tag, err)
	}
	var bad []InvalidIndex
	for rows.Next() {
		var s, n, tbl string
		if err := rows.Scan(&s, &n, &tbl); err != nil {
			rows.Close()
			return cause
		}
		bad = append(bad, InvalidIndex{Index: s + "." + n, Table: tbl, Migration: m.Tag, Remedy: invalidRemedy(s, n)})
	}
	rows.Close()
	if len(bad) == 0 {
		return cause
	}
	return &InvalidIndexError{Track: t.Name, Tag: m.Tag, Indexes: bad, Err: cause}
}
