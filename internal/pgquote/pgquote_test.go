package pgquote_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgquote"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// hostile are names and values that break naive quoting: quotes of both
// kinds, statement separators, comments, dollar quotes, backslashes,
// multi-byte and combining characters, spaces.
var hostile = []string{
	`plain`,
	`a"b`,
	`"`,
	`""`,
	`it's`,
	`'`,
	`x"; DROP TABLE victim; --`,
	`x'); DROP TABLE victim; --`,
	`$$ dollar $$`,
	`back\slash\`,
	`名前`,
	`émoji 🐘`,
	"e\u0301",
	`with space`,
	`UPPER`,
	"tab\there",
	"new\nline",
}

// Every hostile string comes back from PostgreSQL exactly: as a table name
// (created, then read from the catalog) and as a value.
func TestRoundTripThroughPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn := db.Conn(t)
	db.Exec(t, `CREATE SCHEMA "we""ird"; CREATE TABLE victim (id int)`)
	for _, s := range hostile {
		if _, err := conn.Exec(ctx, "CREATE TABLE "+pgquote.Ident("we\"ird", s)+" ("+pgquote.Ident(s)+" int)"); err != nil {
			t.Fatalf("create table %q: %v", s, err)
		}
		var table, column string
		err := conn.QueryRow(ctx, `SELECT c.relname, a.attname FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1
			WHERE n.nspname = 'we"ird' AND c.relname = $1`, s).Scan(&table, &column)
		if err != nil || table != s || column != s {
			t.Errorf("Ident(%q): table %q column %q (%v)", s, table, column, err)
		}
		var v string
		// The simple protocol: the literal is the only way the value travels.
		if err := conn.QueryRow(ctx, "SELECT "+pgquote.Literal(s)).Scan(&v); err != nil || v != s {
			t.Errorf("Literal(%q) came back as %q (%v)", s, v, err)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM victim").Scan(&n); err != nil {
		t.Errorf("a quoted string dropped a table: %v", err)
	}
}

// A NUL byte cannot be part of a PostgreSQL name or text: it is dropped,
// never passed on to cut the statement short.
func TestNUL(t *testing.T) {
	t.Parallel()
	if got := pgquote.Ident("a\x00b", "c\x00"); got != `"ab"."c"` {
		t.Errorf("Ident = %q", got)
	}
	if got := pgquote.Literal("a\x00'b"); got != `'a''b'` {
		t.Errorf("Literal = %q", got)
	}
}

// unquote reverses one quoted part: q must be wrapped in quote and hold
// the quote character only doubled.
func unquote(t *testing.T, q string, quote byte) string {
	t.Helper()
	if len(q) < 2 || q[0] != quote || q[len(q)-1] != quote {
		t.Fatalf("%q is not wrapped in %c", q, quote)
	}
	inner := q[1 : len(q)-1]
	if strings.Contains(strings.ReplaceAll(inner, string([]byte{quote, quote}), ""), string(quote)) {
		t.Fatalf("%q holds a lone %c: it ends the quoted text early", q, quote)
	}
	return strings.ReplaceAll(inner, string([]byte{quote, quote}), string(quote))
}

// FuzzQuote: whatever the input, the quoted text cannot end early and
// reads back as the input without its NUL bytes.
func FuzzQuote(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Add("\x00")
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.ReplaceAll(s, "\x00", "")
		if got := unquote(t, pgquote.Ident(s), '"'); got != want {
			t.Errorf("Ident(%q) reads back as %q", s, got)
		}
		if got := unquote(t, pgquote.Literal(s), '\''); got != want {
			t.Errorf("Literal(%q) reads back as %q", s, got)
		}
	})
}
