package lint

import (
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/journal"
)

func TestLexSkipsStringsCommentsAndBodies(t *testing.T) {
	sql := `-- DROP x CASCADE
/* outer /* nested CASCADE */ still comment */
SELECT E'it\'s CASCADE', 'a''b', "CASCADE", $fn$ DROP TABLE t CASCADE $fn$, $$x$$; drop table "T" cascade`
	var words []string
	for _, tk := range lex(sql) {
		if tk.Kind == tokWord {
			words = append(words, tk.Text)
		}
	}
	if got := strings.Join(words, " "); got != "SELECT DROP TABLE CASCADE" {
		t.Errorf("words = %q", got)
	}
	toks := lex(sql)
	var strs []string
	for _, tk := range toks {
		if tk.Kind == tokString {
			strs = append(strs, tk.Text)
		}
	}
	if got := strings.Join(strs, "|"); got != "it's CASCADE|a'b| DROP TABLE t CASCADE |x" {
		t.Errorf("strings = %q", got)
	}
	if n := len(statements(toks)); n != 2 {
		t.Errorf("%d statements, want 2", n)
	}
	last := toks[len(toks)-1]
	if sql[last.Off:last.End] != "cascade" {
		t.Errorf("last token spans %q", sql[last.Off:last.End])
	}
}

func TestAddedEnumValues(t *testing.T) {
	got := addedEnumValues(lex(`ALTER TYPE "s" ADD VALUE IF NOT EXISTS 'a' BEFORE 'b'; ALTER TYPE s ADD VALUE 'it''s'; ALTER TABLE t ADD VALUE`))
	if strings.Join(got, "|") != "a|it's" {
		t.Errorf("got %q", got)
	}
}

func TestParseSuppressions(t *testing.T) {
	sql := "-- hogsend-db:lint-ignore DS103,mf104 reason one\nALTER TABLE t DROP COLUMN a;\n" +
		"-- hogsend-db:lint-ignore BC102 trailing, applies to the next chunk\n" + journal.Breakpoint + "\n" +
		"SELECT '\n-- hogsend-db:lint-ignore DS102 inside a string\n';" + journal.Breakpoint + "\n" +
		"--hogsend-db:lint-ignore   DS102\nDROP TABLE t;\n-- hogsend-db:lint-ignorex DS101 not a directive"
	stmts := journal.Split(sql)
	toks := make([][]token, len(stmts))
	for i, st := range stmts {
		toks[i] = lex(st.SQL)
	}
	sups := parseSuppressions(sql, stmts, toks)
	if len(sups) != 3 {
		t.Fatalf("%d suppressions: %+v", len(sups), sups)
	}
	if s := sups[0]; s.Stmt != 0 || strings.Join(s.Codes, ",") != "DS103,MF104" || s.Reason != "reason one" || s.Off != 0 {
		t.Errorf("first: %+v", *s)
	}
	if s := sups[1]; s.Stmt != 1 || s.Reason != "trailing, applies to the next chunk" {
		t.Errorf("trailing: %+v", *s)
	}
	if s := sups[2]; s.Stmt != 2 || s.Reason != "" || strings.Join(s.Codes, ",") != "DS102" {
		t.Errorf("no reason: %+v", *s)
	}
}

func TestLexQuotedSpans(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		kind tokKind
		text string
	}{
		{`"a""b"`, tokIdent, `a"b`},
		{`'a''b'`, tokString, `a'b`},
		{`e'a\\b\'c'`, tokString, `a\b'c`},
		{`'no \' escape'`, tokString, `no \`},
		{`"open`, tokIdent, "open"},
		{`'open`, tokString, "open"},
	} {
		toks := lex(tc.sql)
		if len(toks) == 0 {
			t.Errorf("lex(%q): no tokens", tc.sql)
			continue
		}
		tk := toks[0]
		if tk.Kind != tc.kind || tk.Text != tc.text || tk.Off != 0 {
			t.Errorf("lex(%q)[0] = %+v, want kind %d text %q", tc.sql, tk, tc.kind, tc.text)
		}
		if tc.sql[0] != '\'' || !strings.Contains(tc.sql, `\'`) {
			if tk.End != len(tc.sql) {
				t.Errorf("lex(%q)[0] ends at %d, want %d", tc.sql, tk.End, len(tc.sql))
			}
		}
	}
}
