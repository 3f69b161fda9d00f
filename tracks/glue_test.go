package tracks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/sqllex"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// FuzzChunkGlue: for any migration SQL, either (*journal.Migration).Check
// refuses it, or the one-message transaction hogsend-db sends splits, with
// PostgreSQL's statement boundaries, into exactly the statements of each
// chunk run on its own (as drizzle-orm sends them), each followed by its
// own marker query: the glue never lands inside user SQL, so the message
// has the effect of running the chunks one by one.
func FuzzChunkGlue(f *testing.F) {
	for _, s := range []string{
		"CREATE TABLE a(x int);\n--> statement-breakpoint\nINSERT INTO a VALUES (1);",
		"INSERT INTO a VALUES ('x\n--> statement-breakpoint\ny');",
		"CREATE FUNCTION f() RETURNS int AS $$ SELECT 42\n--> statement-breakpoint\n$$ LANGUAGE sql;",
		"/*\n--> statement-breakpoint\nCREATE TABLE b();\n--> statement-breakpoint\n*/",
		"SELECT E'\\'--> statement-breakpoint';",
		"CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\n--> statement-breakpoint\nEND;",
		"SELECT 1 -- trailing comment--> statement-breakpoint\nSELECT \"a;b\"",
		"DO $t$ BEGIN NULL; END $t$;--> statement-breakpoint-- only a comment",
		// PostgreSQL ends a -- comment at \r: these hide nothing.
		"-- x\rINSERT INTO a VALUES ('x\n--> statement-breakpoint\ny');",
		"SELECT 1 -- c\r'\n--> statement-breakpoint\n';",
		"SELECT 1; -- trailing\r--> statement-breakpoint\rSELECT 2",
	} {
		f.Add(s)
	}
	tr := Loaded{Track: Track{Name: Client, Ledger: ledger.ClientTable}}
	f.Fuzz(func(t *testing.T, src string) {
		m := &journal.Migration{Entry: journal.Entry{Tag: "0000_x"}, File: "0000_x.sql", SQL: src}
		if m.Check() != nil {
			return
		}
		msg, pieces := txMessage(tr, []*journal.Migration{m}, false, false, ledger.Version0, false)
		toks, open := sqllex.Lex(msg)
		if open != nil {
			t.Fatalf("message left %s open at %d:\n%s", open.What(), open.Off, msg)
		}
		var got []string
		for _, s := range sqllex.Statements(toks) {
			got = append(got, msg[s[0].Off:s[len(s)-1].End])
		}
		want := []string{"BEGIN", "select -1 as " + markerColumn}
		for k, p := range pieces {
			ct, _ := sqllex.Lex(p.st.SQL)
			for _, s := range sqllex.Statements(ct) {
				want = append(want, p.st.SQL[s[0].Off:s[len(s)-1].End])
			}
			want = append(want, fmt.Sprintf("select %d as %s", k, markerColumn))
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("message statements differ from the chunks':\n got %q\nwant %q", got, want)
		}
	})
}
