package dsn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/dsn"
)

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"postgres://h/db":       true,
		"postgresql://u@h":      true,
		"mysql+x.y-z://h":       true,
		"host=h dbname=d":       false,
		"host=h password=a://b": false,
		"://h":                  false,
		"1postgres://h":         false,
		"postgres:/h":           false,
	} {
		if got := dsn.IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	in := `host=db  user = alice password='it\'s a\\b' dbname=app\ x`
	got, err := dsn.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []dsn.Setting{
		{Key: "host", Value: "db"},
		{Key: "user", Value: "alice"},
		{Key: "password", Value: `it's a\b`},
		{Key: "dbname", Value: "app x"},
	}
	if len(got) != len(want) {
		t.Fatalf("Parse = %+v", got)
	}
	for i := range want {
		if got[i].Key != want[i].Key || got[i].Value != want[i].Value {
			t.Errorf("setting %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if span := in[got[2].Start:got[2].End]; span != `'it\'s a\\b'` {
		t.Errorf("password span = %q", span)
	}
	if got, want := dsn.Format(got), `host='db' user='alice' password='it\'s a\\b' dbname='app x'`; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	for _, bad := range []string{"host", "=x", "host=h password='open", "host h"} {
		if _, err := dsn.Parse(bad); !errors.Is(err, dsn.ErrInvalid) {
			t.Errorf("Parse(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
	if got, err := dsn.Parse("  "); err != nil || len(got) != 0 {
		t.Errorf("Parse(blank) = %v, %v", got, err)
	}
}

// Check is the one acceptance rule for --database-url and --dev-url: what
// pgx reads the same way (issue 12: --dev-url accepted POSTGRES://, which
// --database-url refused).
func TestCheck(t *testing.T) {
	for s, ok := range map[string]bool{
		"postgres://u:p@h/db":          true,
		"postgresql://u@h:5432/db?x=1": true,
		"postgres://u:p%2Fq@h/db":      true,
		"host=h password='a b'":        true,
		`host=h password=a\ b`:         true,
		"":                             true,
		"POSTGRES://u:p@h/db":          false,
		"Postgresql://h/db":            false,
		"mysql://h/db":                 false,
		" postgres://h/db":             false,
		"postgres://h/db\n":            false,
		"postgres://postgres@[::1/x":   false,
		"postgres://u:pa/Zq7X@h/db":    false, // the password's "/" ends the host
		"postgres://u:1/Zq7X@h/db":     false, // parses, with the password as a port
		"postgres://u:1?Zq7X@h/db":     false,
		"postgres://h/my%40db":         true,
		"host=db password='unclosed":   false,
		"just words":                   false,
	} {
		err := dsn.Check(s)
		if (err == nil) != ok || (err != nil && !errors.Is(err, dsn.ErrUnparsable)) {
			t.Errorf("Check(%q) = %v, want ok=%v", s, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "Zq7X") {
			t.Errorf("Check(%q) quotes the string: %v", s, err)
		}
	}
}
