package tracks_test

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

func show(t *testing.T, conn *pgx.Conn, name string) string {
	t.Helper()
	var v string
	if err := conn.QueryRow(context.Background(), "select current_setting($1)", name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestConnect(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	for name, want := range map[string]string{"application_name": "hogsend-db", "lock_timeout": "10s", "statement_timeout": "15min"} {
		if got := show(t, conn, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	c2, err := tracks.Connect(ctxT(t), db.URL, tracks.Session{LockTimeout: 3 * time.Second, StatementTimeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close(context.Background())
	if lt, st := show(t, c2, "lock_timeout"), show(t, c2, "statement_timeout"); lt != "3s" || st != "90s" {
		t.Errorf("lock_timeout %q statement_timeout %q", lt, st)
	}
	// A statement over statement_timeout fails as a StatementError.
	c3, err := tracks.Connect(ctxT(t), db.URL, tracks.Session{StatementTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close(context.Background())
	_, err = tracks.Apply(ctxT(t), c3, []tracks.Loaded{client(t, folder(mig{"0000_slow", 1, "select pg_sleep(5);"}))}, tracks.Options{})
	var se *tracks.StatementError
	if !asStatementError(err, &se) || se.SQLState != "57014" || se.Tag != "0000_slow" {
		t.Errorf("statement_timeout: %v", err)
	}
}

func TestConnectErrorHidesPassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := tracks.Connect(ctx, "postgres://someone:s3cr3t-pw@127.0.0.1:1/nodb?sslmode=disable", tracks.Session{ConnectTimeout: 2 * time.Second})
	if err == nil || strings.Contains(err.Error(), "s3cr3t-pw") || !strings.HasPrefix(err.Error(), "connect to 127.0.0.1:1/nodb: ") {
		t.Errorf("err = %v", err)
	}
	_, err = tracks.Connect(ctx, "postgres://someone:s3cr3t-pw@127.0.0.1:badport/nodb", tracks.Session{})
	if err == nil || strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("parse err = %v", err)
	}
}

// countingConn counts writes to the server: with pgx each write is one
// message batch, so one round trip.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(b)
}

func countingConnect(t *testing.T, db *pgtest.DB) (*pgx.Conn, *atomic.Int64) {
	t.Helper()
	cfg, err := pgx.ParseConfig(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	n := &atomic.Int64{}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, n: n}, nil
	}
	conn, err := pgx.ConnectConfig(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn, n
}

// A transactional group costs two round trips whatever its size; with
// --tx migration each migration costs two.
func TestApplyRoundTrips(t *testing.T) {
	t.Parallel()
	gen := func(n int) []mig {
		var ms []mig
		for i := range n {
			ms = append(ms, mig{tag: "m" + string(rune('a'+i/26)) + string(rune('a'+i%26)), when: int64(1000 + i),
				sql: "CREATE TABLE x" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + " (id int);\n--> statement-breakpoint\nSELECT 1;"})
		}
		return ms
	}
	writes := func(mode tracks.TxMode, n int) int64 {
		db := pgtest.New(t)
		conn, count := countingConnect(t, db)
		count.Store(0)
		res, err := tracks.Apply(ctxT(t), conn, []tracks.Loaded{client(t, folder(gen(n)...))}, tracks.Options{Tx: mode})
		if err != nil || len(res.Applied[tracks.Client]) != n {
			t.Fatalf("Apply: %v", err)
		}
		return count.Load()
	}
	small, large := writes(tracks.TxTrack, 2), writes(tracks.TxTrack, 30)
	if small != large {
		t.Errorf("--tx track: %d round trips for 2 migrations, %d for 30", small, large)
	}
	small, large = writes(tracks.TxMigration, 2), writes(tracks.TxMigration, 30)
	if large-small != 2*28 {
		t.Errorf("--tx migration: %d round trips for 2 migrations, %d for 30: want 2 per migration", small, large)
	}
	// Status of a migrated database on a warm session: one round trip.
	db := pgtest.New(t)
	conn, count := countingConnect(t, db)
	eng, err := tracks.Load(tracks.Track{Name: tracks.Engine, Source: folder(mig{"0000_e", 1, "CREATE TABLE e (id int);"}),
		Ledger: ledger.EngineTable, Fatal: true, Release: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	ts := []tracks.Loaded{eng, client(t, folder(three...))}
	if _, err := tracks.Apply(ctxT(t), conn, ts, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, conn, ts)
	count.Store(0)
	if rep := mustStatus(t, conn, ts); rep.Status != tracks.StatusHealthy {
		t.Errorf("status %s", rep.Status)
	}
	if n := count.Load(); n != 1 {
		t.Errorf("Status: %d round trips", n)
	}
}

// drizzle-orm and hogsend-db write the same ledger and accept each
// other's: the real drizzle-kit folder of testdata/drizzle and the CRLF,
// multibyte folder of testdata/tracks/crlf.
func TestApplyMatchesDrizzle(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	for _, dir := range []string{filepath.Join(drizzletest.Dir(t), "migrations"), mustAbs(t, "../testdata/tracks/crlf")} {
		t.Run(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			ts := []tracks.Loaded{client(t, tracks.DirFS(dir))}
			viaDrizzle, viaUs := pgtest.New(t), pgtest.New(t)
			before, after := drizzletest.Migrate(t, viaDrizzle.URL, dir, "drizzle", "__client_migrations")
			if before != 0 || after != len(ts[0].Journal.Migrations) {
				t.Fatalf("drizzle applied %d..%d", before, after)
			}
			res, err := tracks.Apply(ctxT(t), connect(t, viaUs), ts, tracks.Options{})
			if err != nil {
				t.Fatal(err)
			}
			theirs, ours := rowsOf(t, viaDrizzle, ledger.ClientTable), rowsOf(t, viaUs, ledger.ClientTable)
			if !slices.Equal(theirs, ours) || len(ours) != len(ts[0].Journal.Migrations) {
				t.Errorf("ledgers differ:\ndrizzle %v\nours    %v", theirs, ours)
			}
			for i, m := range ts[0].Journal.Migrations {
				if ours[i].CreatedAt != m.When || ours[i].Hash != m.Hash {
					t.Errorf("row %d = %v, want (%s, %d)", i, ours[i], m.Hash, m.When)
				}
			}
			if !slices.Equal(tables(t, viaDrizzle), tables(t, viaUs)) {
				t.Errorf("tables differ: %v vs %v", tables(t, viaDrizzle), tables(t, viaUs))
			}
			if len(res.Applied[tracks.Client]) != len(ours) {
				t.Errorf("applied %v", res.Applied)
			}
			// Each tool sees the other's database as migrated.
			res, err = tracks.Apply(ctxT(t), connect(t, viaDrizzle), ts, tracks.Options{})
			if err != nil || res.Locked || !res.Report.Track(tracks.Client).InSync || res.Report.Problems() {
				t.Errorf("hogsend-db on drizzle's database: %v, locked %v", err, res.Locked)
			}
			if before, after := drizzletest.Migrate(t, viaUs.URL, dir, "drizzle", "__client_migrations"); before != after {
				t.Errorf("drizzle on our database applied %d migration(s)", after-before)
			}
		})
	}
}

func mustAbs(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The session pins standard_conforming_strings = on, the reading of
// strings that the up-front check (journal.Check) assumes: with the
// database's default off, a backslash would escape and the runner's glue
// would land inside a string.
func TestConnectPinsStandardConformingStrings(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	db.Exec(t, `ALTER DATABASE "`+db.Name+`" SET standard_conforming_strings = off`)
	conn := connect(t, db)
	if got := show(t, conn, "standard_conforming_strings"); got != "on" {
		t.Fatalf("standard_conforming_strings = %q, want on", got)
	}
}
