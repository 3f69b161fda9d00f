package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hogsend/hogsend-db/internal/redact"
)

const unparsable = "unparsable connection string (password hidden)"

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:s3cr%40t@h:5432/db":                     "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db":                                   "postgres://u@h/db",
		"postgresql://alice@db/app":                           "postgresql://alice@db/app",
		"postgres://h/db?password=zz&sslmode=off":             "postgres://h/db?password=xxxxx&sslmode=off",
		"postgres://db/app?password=secret&user=bob":          "postgres://db/app?password=xxxxx&user=bob",
		"postgres://alice:secret@db:5432/app?sslmode=disable": "postgres://alice:xxxxx@db:5432/app?sslmode=disable",
		"postgres://h/db?sslpassword=secret":                  "postgres://h/db?sslpassword=xxxxx",
		// key=value DSNs keep their spelling; only the value is replaced.
		"host=h user=u password=hunter2 dbname=d":     "host=h user=u password=xxxxx dbname=d",
		"host=h password='a b\\'c' dbname=d":          "host=h password=xxxxx dbname=d",
		"host=db password='it\\'s secret' dbname=app": "host=db password=xxxxx dbname=app",
		"host=h password = 'sec ret'":                 "host=h password = xxxxx",
		"host=h sslpassword=secret":                   "host=h sslpassword=xxxxx",
		"host=h password=a://secret":                  "host=h password=xxxxx",
		"host=h password=a\\ bsecret dbname=d":        "host=h password=xxxxx dbname=d",
		"host=h PASSWORD=secret":                      "host=h PASSWORD=xxxxx",
		// Unparsable: nothing of it is shown, never a guess at where the
		// password ends (issue 12: pgconn's guess masked the user name
		// of postgres://postgres@[::1/x and showed pieces of passwords).
		"postgres://u:p@[::1:bad/db":               unparsable,
		"postgres://alice:secret@[bad":             unparsable,
		"postgres://alice:se@cret@[bad":            unparsable,
		"postgres://a:secret@[bad?password=secret": unparsable,
		"host=db password='secret":                 unparsable,
		"postgres://postgres@[::1/x":               unparsable,
		"postgres://u:pa/Zq7Xsecret@127.0.0.1/db":  unparsable,
		"  postgres://u:secret@h/db":               unparsable,
		"POSTGRES://u:secret@h/db":                 unparsable,
		"mysql://u:secret@h/db":                    unparsable,
		"not a dsn secret":                         unparsable,
	} {
		got := redact.URL(in)
		if got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("URL(%q) = %q shows the secret", in, got)
		}
	}
}

func TestPasswords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"postgres://u:p%2Fa%20ss@h/db", []string{"p/a ss", "p%2Fa%20ss", "p%2Fa+ss"}},
		{"host=h password='it\\'s' dbname=d", []string{"it's", "it%27s"}},
		{"postgres://h/db?password=qq", []string{"qq"}},
		{"postgres://u:se%40cret@h:notaport/db", []string{"se@cret", "se%40cret"}},
		{"host=h password='broken", []string{"broken"}},
		{"postgres://u@h/db", nil},
	} {
		got := redact.Passwords(tc.in)
		for _, w := range tc.want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("Passwords(%q) = %q, want %q among them", tc.in, got, w)
			}
		}
		if tc.want == nil && len(got) != 0 {
			t.Errorf("Passwords(%q) = %q, want none", tc.in, got)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, secret, leak string }{
		{"dial postgres://app:hunter2@db:5432/x failed", "", "hunter2"},
		{"bad dsn host=db password=hunter2 user=app", "", "hunter2"},
		{"bad dsn host=db password='hunter 2' user=app", "", "hunter 2"},
		{"url ?sslmode=disable&password=hunter2&x=1", "", "hunter2"},
		{"server said: wrong pw zq9-Secret", "zq9-Secret", "zq9-Secret"},
		{"escaped in a url: p%2Fw%21", "p/w!", "p%2Fw"},
	} {
		got := redact.Text(tc.in, tc.secret)
		if strings.Contains(got, tc.leak) || !strings.Contains(got, redact.Mask) {
			t.Errorf("Text(%q) = %q", tc.in, got)
		}
	}
	if got := redact.Text("relation does not exist", ""); got != "relation does not exist" {
		t.Errorf("Text changed a harmless message: %q", got)
	}
}

func TestError(t *testing.T) {
	const dsn = "postgres://u:S3cret@h:1/db"
	base := fmt.Errorf("connect %s: %w (password S3cret)", dsn, fs.ErrNotExist)
	err := redact.Error(base, dsn)
	if got, want := err.Error(), "connect postgres://u:xxxxx@h:1/db: file does not exist (password xxxxx)"; got != want {
		t.Errorf("Error = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("errors.Is lost the wrapped sentinel")
	}
	var pe *url.Error
	uerr := &url.Error{Op: "parse", URL: "host=h password='a b'", Err: errors.New("nope")}
	if !errors.As(redact.Error(uerr, "host=h password='a b'"), &pe) || pe != uerr {
		t.Error("errors.As lost the wrapped error")
	}
	if strings.Contains(redact.Error(uerr, "host=h password='a b'").Error(), "a b") {
		t.Error("key=value password survives")
	}
	plain := errors.New("relation does not exist")
	if redact.Error(plain, dsn) != plain {
		t.Error("an error with nothing to hide should be returned as is")
	}
	if redact.Error(nil, dsn) != nil {
		t.Error("Error(nil) != nil")
	}
	// Known passwords are hidden even when the DSN was never written out.
	kv := redact.Error(errors.New("auth failed for it's"), "host=h password='it\\'s'")
	if strings.Contains(kv.Error(), "it's") {
		t.Errorf("password survives: %v", kv)
	}
}

func TestWriterMasksEveryForm(t *testing.T) {
	r := redact.New("postgres://u:p%2Fa%20ss@h/db", "host=x password=other")
	var buf bytes.Buffer
	w := r.Writer(&buf)
	for _, s := range []string{"raw p/a ss here", "escaped p%2Fa%20ss", "query p%2Fa+ss", "dsn other!"} {
		if _, err := w.Write([]byte(s + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	out := buf.String()
	for _, leak := range []string{"p/a ss", "p%2Fa%20ss", "p%2Fa+ss", "other"} {
		if strings.Contains(out, leak) {
			t.Errorf("output leaks %q:\n%s", leak, out)
		}
	}
	if strings.Count(out, redact.Mask) != 4 {
		t.Errorf("want 4 masks:\n%s", out)
	}
}

// sentinel is the part of every fuzzed password that must never be printed.
const sentinel = "Zq7Xsentinel"

// connShapes writes a connection string holding password pw in each shape
// a user may write one: URL user-info (escaped and as typed), URL query,
// key=value (plain, quoted, backslash-escaped), padded with whitespace, an
// upper-case scheme.
func connShapes(pw string) []string {
	userinfo := url.UserPassword("u", pw).String()
	quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw)
	escaped := strings.NewReplacer(`\`, `\\`, `'`, `\'`, " ", `\ `, "\t", "\\\t", "\n", "\\\n", "\r", "\\\r").Replace(pw)
	shapes := []string{
		"postgres://" + userinfo + "@h:5432/db?sslmode=disable",
		"postgresql://u:" + pw + "@h/db",
		"postgres://u@h/db?sslmode=disable&password=" + url.QueryEscape(pw),
		"postgres://u@h/db?password=" + url.QueryEscape(pw) + "&application_name=x",
		"host=h password='" + quoted + "' dbname=d",
		"password='" + quoted + "'",
		"host=h password=" + escaped + " dbname=d",
		"host = h password = '" + quoted + "'",
		"  postgres://" + userinfo + "@h/db\n",
		"\thost=h password='" + quoted + "' ",
		"POSTGRES://" + userinfo + "@h/db",
		"postgres://" + userinfo + "@[::1/x",
		"host=h password='" + quoted, // unclosed quote
	}
	if !strings.ContainsAny(pw, " \t\n\r\v\f'\\") {
		shapes = append(shapes, "host=h password="+pw+" dbname=d", "host=h PASSWORD="+pw)
	}
	return shapes
}

// FuzzURL: whatever the connection string's shape and whether it parses,
// the sentinel inside its password appears in no output: the masked URL,
// a parse error, a connect error quoting the string, and any text run
// through a Redactor that knows the string.
func FuzzURL(f *testing.F) {
	for _, seed := range [][2]string{
		{"", ""}, {"p@ss/w:rd%20", ""}, {"a/", "@b"}, {"1/", ""}, {"x#", "?y"}, {"a b", "c'd"}, {`a\`, `\'`},
		{" ", " "}, {"ünï", "çødé"}, {"'", ""}, {"", "&sslmode=require"}, {"%", "%zz"}, {":", ":"}, {"\t", "\n"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, prefix, suffix string) {
		if strings.ContainsRune(prefix+suffix, 0) || !utf8.ValidString(prefix+suffix) {
			return // PostgreSQL passwords hold neither
		}
		pw := prefix + sentinel + suffix
		for _, raw := range connShapes(pw) {
			outputs := map[string]string{
				"URL":         redact.URL(raw),
				"ConfigError": redact.ConfigError(raw, fmt.Errorf("cannot parse `%s`: %w", raw, errors.New("invalid port \""+suffix+"\""))).Error(),
				"Error":       redact.Error(fmt.Errorf("connect %s: refused", raw), raw).Error(),
				"Redactor":    redact.New(raw).String("connect " + raw + " failed"),
			}
			if dsnOK(raw) {
				// The password is known exactly: printed alone, it is masked too.
				outputs["Redactor(pw)"] = redact.New(raw).String("auth failed for " + pw)
			}
			for what, out := range outputs {
				if strings.Contains(out, sentinel) {
					t.Fatalf("%s of %q shows the password: %q", what, raw, out)
				}
			}
		}
	})
}

// dsnOK reports whether raw is a string whose password redact finds.
func dsnOK(raw string) bool {
	return redact.URL(raw) != unparsable
}

func TestShortPasswordKeepsMessagesReadable(t *testing.T) {
	r := redact.New("postgres://u:ro@h/db")
	got := r.String("error: unexpected EOF; connect postgres://u:ro@h/db; password=ro and ro")
	want := "error: unexpected EOF; connect postgres://u:xxxxx@h/db; password=xxxxx and xxxxx"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
