package journal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/journal"
)

const bp = "\n--> statement-breakpoint\n"

func migration(sql string) *journal.Migration {
	fsys := fstest.MapFS{
		"meta/_journal.json": {Data: []byte(`{"version":"7","dialect":"postgresql","entries":[{"idx":0,"version":"7","when":1700000000000,"tag":"0000_x","breakpoints":true}]}`)},
		"0000_x.sql":         {Data: []byte(sql)},
	}
	j, err := journal.Open(fsys)
	if err != nil {
		panic(err)
	}
	return j.Migrations[0]
}

func TestCheckRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, sql string
		want      error
		line, col int
		fragments []string
	}{
		{"string", "INSERT INTO a VALUES ('x" + bp + "y');", journal.ErrOpenConstruct, 1, 23, []string{"string literal", "drizzle-orm", "breakpoint"}},
		{"E string", "SELECT E'a\\'" + bp + "';", journal.ErrOpenConstruct, 1, 8, []string{"E'' string"}},
		{"identifier", "CREATE TABLE \"a" + bp + "\"();", journal.ErrOpenConstruct, 1, 14, []string{"quoted identifier"}},
		{"dollar", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 42" + bp + "$$;", journal.ErrOpenConstruct, 1, 49, []string{"dollar quote $$"}},
		{"tagged dollar", "SELECT 1;\nDO $body$ BEGIN" + bp + "END $body$;", journal.ErrOpenConstruct, 2, 4, []string{"dollar quote $body$"}},
		{"nested comment", "/* a /* b */" + bp + "CREATE TABLE b();" + bp + "*/", journal.ErrOpenConstruct, 1, 1, []string{"block comment"}},
		{"atomic", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;" + bp + "END;", journal.ErrOpenConstruct, 1, 46, []string{"BEGIN ATOMIC"}},
		{"end of file", "SELECT 'x", journal.ErrOpenConstruct, 1, 8, []string{"end of the file"}},
		{"rollback", "CREATE TABLE t1();" + bp + "ROLLBACK;", journal.ErrTxControl, 3, 1, []string{"ROLLBACK", journal.NoTransactionDirective}},
		{"commit", "CREATE TABLE t1();\n  commit;\nSELECT 1;", journal.ErrTxControl, 2, 3, []string{"COMMIT"}},
		{"commit and chain", "COMMIT AND CHAIN;", journal.ErrTxControl, 1, 1, []string{"COMMIT"}},
		{"end", "SELECT 1; END;", journal.ErrTxControl, 1, 11, []string{"END"}},
		{"abort", "ABORT", journal.ErrTxControl, 1, 1, nil},
		{"begin", "BEGIN; SELECT 1;", journal.ErrTxControl, 1, 1, nil},
		{"start", "START TRANSACTION ISOLATION LEVEL SERIALIZABLE;", journal.ErrTxControl, 1, 1, []string{"START TRANSACTION"}},
		{"prepare", "PREPARE TRANSACTION 'x';", journal.ErrTxControl, 1, 1, []string{"PREPARE TRANSACTION"}},
		{"commit prepared", "COMMIT PREPARED 'x';", journal.ErrTxControl, 1, 1, nil},
		{"rollback work", "ROLLBACK WORK;", journal.ErrTxControl, 1, 1, nil},
		{"copy", "CREATE TABLE c(a int);" + bp + "COPY c (a) FROM stdin;\n1\n\\.", journal.ErrCopyStdin, 3, 1, []string{"INSERT"}},
		{"copy no-tx", journal.NoTransactionDirective + "\nCOPY c FROM STDIN WITH (FORMAT csv);", journal.ErrCopyStdin, 2, 1, nil},
		// PostgreSQL ends a -- comment at \r too.
		{"string after comment ended by CR", "-- x\rINSERT INTO a VALUES ('x" + bp + "y');", journal.ErrOpenConstruct, 1, 28, []string{"string literal"}},
		{"commit after comment ended by CR", "-- note\rCOMMIT AND CHAIN;", journal.ErrTxControl, 1, 9, []string{"COMMIT"}},
		// COPY FROM STDOUT is COPY FROM STDIN; positions skip the directive.
		{"copy from stdout", journal.NoTransactionDirective + "\n\n  COPY c FROM STDOUT;", journal.ErrCopyStdin, 3, 3, []string{"STDOUT"}},
		{"copy from stdout in tx", "-- a comment\n/* another */ copy c (a) from stdout", journal.ErrCopyStdin, 2, 15, nil},
		// standard_conforming_strings decides where strings end.
		{"set scs off", "SELECT 1;\nSET standard_conforming_strings = off;", journal.ErrStringSetting, 2, 1, []string{"standard_conforming_strings", "E'"}},
		{"set session scs", "SET SESSION standard_conforming_strings TO 'off';", journal.ErrStringSetting, 1, 1, nil},
		{"set local scs", "set local \"standard_conforming_strings\" to false;", journal.ErrStringSetting, 1, 1, nil},
		{"set scs default", "SET standard_conforming_strings TO DEFAULT;", journal.ErrStringSetting, 1, 1, nil},
		{"reset scs", "RESET standard_conforming_strings;", journal.ErrStringSetting, 1, 1, nil},
		{"reset all", "SELECT 1; RESET ALL;", journal.ErrStringSetting, 1, 11, []string{"RESET ALL"}},
		{"set_config scs", "SELECT set_config('standard_conforming_strings', 'off', false);", journal.ErrStringSetting, 1, 8, []string{"set_config"}},
		{"scs in DO body", "DO $$\nBEGIN\n  SET standard_conforming_strings = off;\nEND $$;", journal.ErrStringSetting, 3, 3, nil},
		{"scs in EXECUTE", "DO $$ BEGIN EXECUTE 'SET standard_conforming_strings = off'; END $$;", journal.ErrStringSetting, 1, 21, nil},
		{"scs no-tx", journal.NoTransactionDirective + "\nSET standard_conforming_strings = off;", journal.ErrStringSetting, 2, 1, nil},
		// The migration lock is not the migration's to release.
		{"unlock all", "CREATE TABLE t();\nSELECT pg_advisory_unlock_all();", journal.ErrLockRelease, 2, 8, []string{"pg_advisory_unlock_all", "remove the call"}},
		{"unlock key", "SELECT pg_catalog.pg_advisory_unlock(4812007);", journal.ErrLockRelease, 1, 19, []string{"4812007"}},
		{"unlock key cast", "SELECT pg_advisory_unlock(4812007::bigint);", journal.ErrLockRelease, 1, 8, nil},
		{"unlock shared", "SELECT PG_ADVISORY_UNLOCK_SHARED('4812007');", journal.ErrLockRelease, 1, 8, nil},
		{"unlock no-tx", journal.NoTransactionDirective + "\nSELECT pg_advisory_unlock_all();", journal.ErrLockRelease, 2, 8, nil},
		{"unlock in DO", "DO $x$ BEGIN PERFORM pg_advisory_unlock_all(); END $x$;", journal.ErrLockRelease, 1, 22, nil},
		// Savepoints of another migration are not this one's to roll back to.
		{"rollback to undeclared", "SAVEPOINT a;" + bp + "ROLLBACK TO SAVEPOINT b;", journal.ErrUnknownSavepoint, 3, 1, []string{"ROLLBACK b", "SAVEPOINT"}},
		{"release undeclared", "RELEASE s;", journal.ErrUnknownSavepoint, 1, 1, []string{"RELEASE s"}},
		{"rollback work to undeclared", "SELECT 1;\n  ROLLBACK WORK TO x;", journal.ErrUnknownSavepoint, 2, 3, nil},
		{"quoted name differs", "SAVEPOINT \"A\"; ROLLBACK TO a;", journal.ErrUnknownSavepoint, 1, 16, nil},
		{"used before declared", "RELEASE SAVEPOINT a; SAVEPOINT a;", journal.ErrUnknownSavepoint, 1, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := migration(tc.sql).Check()
			if !errors.Is(err, tc.want) {
				t.Fatalf("Check() = %v, want %v", err, tc.want)
			}
			var je *journal.Error
			if !errors.As(err, &je) || je.File != "0000_x.sql" || je.Line != tc.line || je.Col != tc.col {
				t.Fatalf("position of %v: want 0000_x.sql:%d:%d", err, tc.line, tc.col)
			}
			for _, f := range append(tc.fragments, fmt.Sprintf("0000_x.sql:%d:%d", tc.line, tc.col)) {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("message %q lacks %q", err, f)
				}
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	for _, sql := range []string{
		"SAVEPOINT a; ROLLBACK TO SAVEPOINT a; RELEASE a; ROLLBACK WORK TO a;",
		"DO $$ BEGIN PERFORM 1; COMMIT; END $$;" + bp + "DO $x$ BEGIN NULL; END $x$;",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;" + bp + "SELECT f();",
		"SELECT 'it''s', E'a\\'b', \"q\"\"x\", $a$ ' $a$ /* x /* y */ */ -- '\n;",
		"-- ' not a string\nSELECT 1;",
		"COPY c TO STDOUT; SELECT 'COPY c FROM STDIN';",
		journal.NoTransactionDirective + "\nCREATE INDEX CONCURRENTLY i ON t(a);" + bp + "COMMIT;",
		"SELECT $1, a$b$c FROM t;",
		"SAVEPOINT \"A\";" + bp + "ROLLBACK TO \"A\"; SAVEPOINT Bee; RELEASE SAVEPOINT bEE; ROLLBACK TRANSACTION TO SAVEPOINT \"bee\";",
		"-- x\r\nSELECT 1; -- y\r\n",
		"SET standard_conforming_strings = on; SET standard_conforming_strings TO 'on'; SELECT set_config('standard_conforming_strings', 'on', false);",
		"SET escape_string_warning = off; SET backslash_quote = on; SHOW standard_conforming_strings; SELECT current_setting('standard_conforming_strings');",
		"ALTER DATABASE d SET standard_conforming_strings = on; RESET search_path;",
		"SELECT pg_advisory_unlock(42); SELECT pg_advisory_unlock(4812007, 1); SELECT pg_advisory_unlock(48120070);",
		"COPY (SELECT * FROM stdin) TO STDOUT; COPY t TO STDOUT;",
		journal.NoTransactionDirective + "\nROLLBACK TO s;",
	} {
		if err := migration(sql).Check(); err != nil {
			t.Errorf("Check(%q) = %v", sql, err)
		}
	}
}

func TestDirectiveNearMiss(t *testing.T) {
	for sql, want := range map[string]int{
		journal.NoTransactionDirective + "\nSELECT 1;": 0,
		"-- HOGSEND-DB:NO-TRANSACTION\nSELECT 1;":      1,
		"--hogsend-db:no-transaction\nSELECT 1;":       1,
		"-- hogsend-db: no-transaction\n":              1,
		"-- hogsend_db:no_transaction\n":               1,
		"SELECT 1;\n" + journal.NoTransactionDirective: 2,
		"\n" + journal.NoTransactionDirective + "\n":   2,
		"SELECT 1; -- hogsend-db:no-transactions\n":    0,
	} {
		if got := migration(sql).DirectiveNearMiss(); got != want {
			t.Errorf("DirectiveNearMiss(%q) = %d, want %d", sql, got, want)
		}
	}
}

func TestWhenRange(t *testing.T) {
	for when, ok := range map[string]bool{"9007199254740991": true, "0": true, "9007199254740992": false, "9007199254740993": false, "-1": false} {
		js := `{"version":"7","dialect":"postgresql","entries":[
  {"idx":0,"version":"7","when":` + when + `,"tag":"0000_x","breakpoints":true}]}`
		_, err := journal.Open(fstest.MapFS{"meta/_journal.json": {Data: []byte(js)}, "0000_x.sql": {Data: []byte("SELECT 1;")}})
		if ok != (err == nil) {
			t.Errorf("when %s: Open error %v", when, err)
			continue
		}
		var je *journal.Error
		if !ok && (!errors.Is(err, journal.ErrWhenRange) || !errors.As(err, &je) || je.Line != 2 || je.Col != 33 || !strings.Contains(err.Error(), when)) {
			t.Errorf("when %s: %v, want ErrWhenRange at meta/_journal.json:2:33", when, err)
		}
	}
}
