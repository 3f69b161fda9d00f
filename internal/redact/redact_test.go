package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/redact"
)

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
		// Unparsable: the user-info password up to the last @, and a
		// broken DSN from "password" on.
		"postgres://u:p@[::1:bad/db":               "postgres://u:xxxxx@[::1:bad/db",
		"postgres://alice:secret@[bad":             "postgres://alice:xxxxx@[bad",
		"postgres://alice:se@cret@[bad":            "postgres://alice:xxxxx@[bad",
		"postgres://a:secret@[bad?password=secret": "postgres://a:xxxxx@[bad?password=xxxxx",
		"host=db password='secret":                 "host=db password=xxxxx",
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

func FuzzURL(f *testing.F) {
	f.Add("secretpw")
	f.Add("p@ss/w:rd%20")
	f.Fuzz(func(t *testing.T, pw string) {
		// Short or x-containing passwords cannot be told apart from the mask.
		if len(pw) < 4 || strings.ContainsAny(pw, "x\x00") {
			return
		}
		raw := (&url.URL{Scheme: "postgres", User: url.UserPassword("u", pw), Host: "h", Path: "/db"}).String()
		if strings.Contains(redact.URL(raw), pw) && !strings.Contains("postgres://u:@h/db", pw) {
			t.Fatalf("URL(%q) keeps the password", raw)
		}
		r := redact.New(raw)
		if out := r.String("connect " + raw + " failed: " + pw); strings.Contains(out, pw) {
			t.Fatalf("password %q survives: %q", pw, out)
		}
	})
}

func TestShortPasswordKeepsMessagesReadable(t *testing.T) {
	r := redact.New("postgres://u:ro@h/db")
	got := r.String("error: unexpected EOF; connect postgres://u:ro@h/db; password=ro and ro")
	want := "error: unexpected EOF; connect postgres://u:xxxxx@h/db; password=xxxxx and xxxxx"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
