package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/redact"
)

// Colour is decided per stream: with stdout on a terminal and stderr
// redirected to a file, nothing written to stderr carries escape codes.
func TestStderrColourFollowsStderr(t *testing.T) {
	for _, tc := range []struct {
		name          string
		out, errColor bool
	}{
		{"stdout terminal, stderr redirected", true, false},
		{"stdout redirected, stderr terminal", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			s := &streams{out: &out, err: &errb, red: redact.New(), color: tc.out, errColor: tc.errColor}
			s.errorf(errors.New("boom"))
			renderGenerate(s, generate.Options{Track: "client", Dir: "migrations"}, &generate.Result{
				Track: "client", Changed: true, File: "0001_x.sql", Snapshot: "meta/0001_snapshot.json",
				Statements: []string{`DROP TABLE "t";`},
				Warnings:   []generate.Warning{{Kind: generate.WarnDestructive, Object: "table public.t", Message: "drops table public.t"}},
			})
			if got := strings.Contains(errb.String(), "\x1b["); got != tc.errColor {
				t.Errorf("stderr has escape codes: %v, want %v:\n%q", got, tc.errColor, errb.String())
			}
			if got := strings.Contains(out.String(), "\x1b["); got != tc.out {
				t.Errorf("stdout has escape codes: %v, want %v:\n%q", got, tc.out, out.String())
			}
			if !strings.Contains(errb.String(), "boom") {
				t.Errorf("stderr lacks the error: %q", errb.String())
			}
		})
	}
}

// Commands read stdin through streams, from what runWith is given.
func TestStdinIsInjected(t *testing.T) {
	gen := func(stdin string) string {
		var out, errb bytes.Buffer
		runWith(context.Background(), []string{"hogsend-db", "generate", "--schema", "-", "--dev-url", "postgres://x@127.0.0.1:1/x"},
			system{stdin: strings.NewReader(stdin), getenv: func(string) string { return "" }}, &out, &errb)
		return errb.String()
	}
	if got := gen(""); !strings.Contains(got, "stdin holds no SQL statement") {
		t.Errorf("empty stdin: %q", got)
	}
	if got := gen("CREATE TABLE t (id int);"); strings.Contains(got, "stdin holds no SQL statement") {
		t.Errorf("stdin with a statement was not read: %q", got)
	}
}
