package sqllex

import "testing"

func TestLexOpen(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT 'a''b'":            "",
		"SELECT 'a''":              "string literal@7",
		"SELECT e'a\\'":            "E'' string@7",
		"SELECT e'a\\":             "E'' string@7",
		`SELECT "a""`:              "quoted identifier@7",
		"SELECT $x$ $y$ $x":        "dollar quote $x$@7",
		"SELECT $$ $x$ $$":         "",
		"/* a /* b */ c */ SELECT": "",
		"/* a /* b */ c":           "block comment@0",
		"-- 'open\nSELECT 1":       "",
		"SELECT $1, a$b, 'x' /* '": "block comment@20",
	} {
		_, open := Lex(sql)
		got := ""
		if open != nil {
			got = open.What() + "@" + itoa(open.Off)
		}
		if got != want {
			t.Errorf("Lex(%q) open = %q, want %q", sql, got, want)
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestStatementsKeepAtomicBodies(t *testing.T) {
	toks, _ := Lex("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END; SELECT 3;")
	if n := len(Statements(toks)); n != 2 {
		t.Fatalf("%d statements, want 2", n)
	}
	toks, _ = Lex("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;")
	if OpenAtomic(toks) == nil {
		t.Fatal("open BEGIN ATOMIC not found")
	}
}

// PostgreSQL ends a -- comment at \r as well as \n: "-- x\rSELECT 'y" has
// an open string, and "-- x\rCOMMIT" a COMMIT.
func TestLineCommentEndsAtCarriageReturn(t *testing.T) {
	toks, open := Lex("-- x\rINSERT INTO a VALUES ('x")
	if open == nil || open.Construct != OpenString || open.Off != 27 {
		t.Fatalf("open = %+v, want the string at 27", open)
	}
	if len(toks) == 0 || toks[0].Text != "INSERT" {
		t.Fatalf("tokens %+v, want INSERT first", toks)
	}
	toks, _ = Lex("-- note\rCOMMIT AND CHAIN;")
	if !IsWords(toks, "COMMIT", "AND", "CHAIN") {
		t.Fatalf("tokens %+v, want COMMIT AND CHAIN", toks)
	}
}

func TestFirstToken(t *testing.T) {
	for sql, want := range map[string]int{
		"":                             0,
		"  \n":                         3,
		"SELECT 1":                     0,
		"\n-- a\n  /* b /* c */ */ x":  24,
		"-- only":                      0,
		"  /* open":                    2,
		"-- x\rCOMMIT":                 5,
		"\t-- hogsend\n\n-- y\r\nCOPY": 19,
	} {
		if got := FirstToken(sql); got != want {
			t.Errorf("FirstToken(%q) = %d, want %d", sql, got, want)
		}
	}
}
