package tracks_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// Status on a database without any ledger reports everything pending and
// creates nothing, even for a role that may create nothing.
func TestStatusMissingLedgerCreatesNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	reader := pgtest.Role(t, db, "reader", "NOCREATEDB")
	db.Exec(t, "REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE CREATE ON DATABASE "+pgx.Identifier{db.Name}.Sanitize()+" FROM PUBLIC")
	conn, err := pgx.Connect(ctxT(t), reader)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	eng, err := tracks.Load(tracks.Track{Name: tracks.Engine, Source: folder(three...), Ledger: ledger.EngineTable, Fatal: true})
	if err != nil {
		t.Fatal(err)
	}
	cl := client(t, folder(three[:1]...))
	rep, err := tracks.Status(ctxT(t), conn, []tracks.Loaded{eng, cl})
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if rep.Status != tracks.StatusMigrationPending || rep.Components["database"].Status != "up" || rep.Release != nil {
		t.Errorf("report = %+v", rep)
	}
	e, c := rep.Track(tracks.Engine), rep.Track(tracks.Client)
	if e.LedgerExists || c.LedgerExists || e.Applied != nil || !slices.Equal(e.Pending, []string{"0000_one", "0001_two", "0002_three"}) ||
		!slices.Equal(c.Pending, []string{"0000_one"}) || rep.Problems() {
		t.Errorf("engine %+v client %+v", e, c)
	}
	if schemaExists(t, db, "drizzle") {
		t.Error("Status created the drizzle schema")
	}
}

// drizzle's postgres-js driver creates created_at as numeric; Status reads it.
func TestStatusNumericCreatedAt(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	db.Exec(t, `CREATE SCHEMA drizzle; CREATE TABLE drizzle.__client_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at numeric)`)
	db.Exec(t, `INSERT INTO drizzle.__client_migrations (hash, created_at) VALUES ($1, $2), ($3, $4)`,
		sha(three[0].sql), "1700000000000", sha(three[1].sql), "1700000000100.000")
	conn := db.Conn(t)
	rep, err := tracks.Status(ctxT(t), conn, []tracks.Loaded{client(t, folder(three...))})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Track(tracks.Client)
	if !s.LedgerExists || s.Applied == nil || *s.Applied != "0001_two" || !slices.Equal(s.Pending, []string{"0002_three"}) || s.Problems() {
		t.Errorf("state = %+v", s)
	}
	// Apply writes the remaining row into the numeric table.
	res, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(three...))}, tracks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Applied[tracks.Client], []string{"0002_three"}) || !res.Report.Track(tracks.Client).InSync {
		t.Errorf("applied %v", res.Applied)
	}
	if got := rowsOf(t, db, ledger.ClientTable); !slices.Equal(got, wantRows(three...)) {
		t.Errorf("rows = %v", got)
	}
}

// A table in the ledger's place that is not a ledger is an error, not an
// empty ledger.
func TestStatusWrongTable(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	db.Exec(t, `CREATE SCHEMA drizzle; CREATE TABLE drizzle.__client_migrations (id int, name text)`)
	_, err := tracks.Status(ctxT(t), db.Conn(t), []tracks.Loaded{client(t, folder(three...))})
	if !errors.Is(err, ledger.ErrWrongColumns) || !strings.HasPrefix(err.Error(), "status: ") {
		t.Errorf("err = %v", err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	// An optional track without a folder is empty, with a note.
	missing := filepath.Join(t.TempDir(), "nope")
	l, err := tracks.Load(tracks.ClientTrack(missing))
	if err != nil || len(l.Journal.Migrations) != 0 || !strings.Contains(l.Note, missing) {
		t.Errorf("optional missing folder: %+v, %v", l, err)
	}
	// A required one is an error.
	_, err = tracks.Load(tracks.EngineTrackFrom(missing))
	if !errors.Is(err, tracks.ErrNoSource) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("required missing folder: %v", err)
	}
	// A broken journal is an error even for an optional track.
	_, err = tracks.Load(tracks.Track{Name: "client", Source: fstest.MapFS{journal.JournalPath: {Data: []byte("{")}}, Optional: true})
	if !errors.Is(err, journal.ErrInvalidJSON) {
		t.Errorf("broken journal: %v", err)
	}
	// The bundled engine track loads and carries its release.
	e, err := tracks.Load(enginesrc.BundledTrack())
	if err != nil || len(e.Journal.Migrations) == 0 || e.Release == "" || !e.Fatal || e.Ledger != ledger.EngineTable {
		t.Errorf("engine track: %+v, %v", e.Track, err)
	}
	// DirFS does not follow a symlink out of the folder.
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.sql")
	if err := os.WriteFile(outside, []byte("select 1;"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "x.sql")); err != nil {
		t.Fatal(err)
	}
	if _, err := fsReadFile(tracks.DirFS(dir), "x.sql"); err == nil {
		t.Error("DirFS followed a symlink out of its folder")
	}
	all, err := tracks.LoadAll(enginesrc.BundledTrack(), tracks.ClientTrack(missing))
	if err != nil || len(all) != 2 || all[0].Name != tracks.Engine || all[1].Name != tracks.Client {
		t.Errorf("LoadAll: %v", err)
	}
}

// An explicitly named folder (not Optional) that is missing, is not a
// directory or has no journal is an error naming the folder; it used to be
// an empty track.
func TestLoadExplicitFolder(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, reason string }{
		{filepath.Join(t.TempDir(), "migratoins"), "does not exist"},
		{"", "does not exist"},
		{file, "is not a directory"},
		{"/", "has no meta/_journal.json"},
		{t.TempDir(), "has no meta/_journal.json"},
	} {
		tr := tracks.ClientTrack(tc.dir)
		tr.Optional = false
		_, err := tracks.Load(tr)
		var se *tracks.SourceError
		if !errors.As(err, &se) || !errors.Is(err, tracks.ErrNoSource) || se.Reason != tc.reason ||
			!strings.Contains(err.Error(), strconv.Quote(tc.dir)) {
			t.Errorf("Load(%q) = %v, want a SourceError %q naming the folder", tc.dir, err, tc.reason)
		}
	}
}

// The default folder may be absent, but when the client ledger has rows
// the report does not call the database healthy: the folder is missing.
func TestStatusMissingFolderWithLedgerRows(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := db.Conn(t)
	if _, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(three...))}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	l, err := tracks.Load(tracks.ClientTrack(filepath.Join(t.TempDir(), "migrations")))
	if err != nil || !l.FolderMissing {
		t.Fatalf("Load: %+v, %v", l, err)
	}
	rep, err := tracks.Status(ctxT(t), conn, []tracks.Loaded{l})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Track(tracks.Client)
	if rep.Status == tracks.StatusHealthy || !c.FolderMissing || !rep.Problems() || !strings.Contains(c.Note, "missing") {
		t.Errorf("status %q, client %+v", rep.Status, c)
	}
	// With an empty ledger a missing default folder is fine.
	empty := pgtest.New(t)
	rep, err = tracks.Status(ctxT(t), empty.Conn(t), []tracks.Loaded{l})
	if err != nil || rep.Status != tracks.StatusHealthy || rep.Problems() {
		t.Errorf("empty ledger: %+v, %v", rep, err)
	}
}

// An Inspector answers like Status, also when the ledger appears between two
// checks.
func TestInspector(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := db.Conn(t)
	ts := []tracks.Loaded{client(t, folder(three...))}
	c, err := tracks.NewInspector(ts)
	if err != nil {
		t.Fatal(err)
	}
	for round, want := range [][]string{{"0000_one", "0001_two", "0002_three"}, {}} {
		for range 2 {
			rep, err := c.Status(ctxT(t), conn)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if got := rep.Track(tracks.Client).Pending; !slices.Equal(got, want) {
				t.Errorf("round %d: pending %v, want %v", round, got, want)
			}
		}
		if round == 0 {
			if _, err := tracks.Apply(ctxT(t), connect(t, db), ts, tracks.Options{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(c.Tracks()) != 1 || c.Tracks()[0].Name != tracks.Client {
		t.Errorf("Tracks() = %v", c.Tracks())
	}
}
