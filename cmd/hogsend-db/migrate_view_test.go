package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/tracks"
)

func viewFor(term bool) (*migrateView, *bytes.Buffer) {
	var errb bytes.Buffer
	s := &streams{out: &bytes.Buffer{}, err: &errb, red: redact.New(), errTerm: term}
	// No ticker: the test calls slow itself, with chosen elapsed times.
	return &migrateView{s: s, live: term, ran: map[string]bool{}}, &errb
}

var slowStmt = tracks.StatementStarted{Track: "client", Tag: "0001_idx", File: "0001_idx.sql", Statement: 2, Line: 7}

// Not a terminal: plain lines, once past 2 s and then every 30 s; no
// escape codes.
func TestSlowStatementPlain(t *testing.T) {
	v, errb := viewFor(false)
	v.on(slowStmt)
	v.slow(1900 * time.Millisecond)
	if errb.Len() != 0 {
		t.Fatalf("reported before 2s: %q", errb)
	}
	v.slow(2500 * time.Millisecond)
	v.slow(10 * time.Second)
	v.slow(33 * time.Second)
	want := "client: still running client/0001_idx.sql:7 (statement 2) after 2.0s\n" +
		"client: still running client/0001_idx.sql:7 (statement 2) after 33.0s\n"
	if errb.String() != want {
		t.Errorf("got %q\nwant %q", errb, want)
	}
	v.on(tracks.MigrationApplied{Track: "client", Tag: "0001_idx", NoTransaction: true, Statements: 2, Duration: 34 * time.Second})
	if out := errb.String(); strings.ContainsRune(out, '\x1b') || !strings.HasSuffix(out, "client: applied 0001_idx (no transaction, 2 statements, 34.0s)\n") {
		t.Errorf("applied line: %q", out)
	}
}

// A terminal: the line is redrawn in place and cleared when the statement
// ends.
func TestSlowStatementLive(t *testing.T) {
	v, errb := viewFor(true)
	v.on(slowStmt)
	v.slow(2100 * time.Millisecond)
	v.slow(4200 * time.Millisecond)
	if got := errb.String(); got != "\r\x1b[Kclient: running client/0001_idx.sql:7 (statement 2) 2.1s\r\x1b[Kclient: running client/0001_idx.sql:7 (statement 2) 4.2s" {
		t.Errorf("live line: %q", got)
	}
	errb.Reset()
	v.on(tracks.MigrationRan{Track: "client", Tag: "0001_idx", Statements: 2, Duration: 5 * time.Second})
	if got := errb.String(); got != "\r\x1b[Kclient: ran 0001_idx (2 statements, 5.0s), not committed yet\n" {
		t.Errorf("after the statement: %q", got)
	}
}

// A transaction of several migrations: "ran" for each, "applied" once,
// after COMMIT.
func TestRanThenApplied(t *testing.T) {
	v, errb := viewFor(false)
	for _, tag := range []string{"0000_a", "0001_b"} {
		v.on(tracks.MigrationRan{Track: "engine", Tag: tag, Statements: 1, Duration: time.Millisecond})
	}
	if strings.Contains(errb.String(), "applied") {
		t.Fatalf("applied before COMMIT: %q", errb)
	}
	for _, tag := range []string{"0000_a", "0001_b"} {
		v.on(tracks.MigrationApplied{Track: "engine", Tag: tag, Statements: 1, Duration: time.Millisecond})
	}
	v.on(tracks.Committed{Track: "engine", Tags: []string{"0000_a", "0001_b"}, Duration: 12 * time.Millisecond})
	// tracks sends MigrationApplied only after COMMIT (tracks' own tests
	// check the order); the view keeps "applied" for those events alone.
	want := "engine: ran 0000_a (1 statement, 1ms), not committed yet\n" +
		"engine: ran 0001_b (1 statement, 1ms), not committed yet\n" +
		"engine: applied 0000_a (committed)\n" +
		"engine: applied 0001_b (committed)\n" +
		"engine: committed 2 migrations in one transaction (12ms)\n"
	if errb.String() != want {
		t.Errorf("got %q\nwant %q", errb, want)
	}
}
