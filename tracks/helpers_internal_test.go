package tracks

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// Helpers of the tests inside package tracks, which drive the runner's
// unexported steps (applyTx, applyNoTx) directly. They bypass
// (*journal.Migration).Check, which refuses the SQL up front, to prove the
// runtime safety nets behind it.

const bpTest = "\n--> statement-breakpoint\n"

func rawMigration(tag, sql string) *journal.Migration {
	return &journal.Migration{Entry: journal.Entry{Tag: tag, When: 1800000000000}, File: tag + ".sql", SQL: sql, Hash: journal.Hash([]byte(sql))}
}

// sessionFor is a fresh database and a client track to apply on it.
func sessionFor(t *testing.T) (*pgtest.DB, Loaded) {
	return pgtest.New(t), Loaded{Track: Track{Name: Client, Ledger: ledger.ClientTable}}
}

// session opens a session on db as Apply does, closed at cleanup.
func session(t *testing.T, db *pgtest.DB) *pgx.Conn {
	t.Helper()
	conn, err := Connect(context.Background(), db.URL, Session{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// takeLock takes the migration lock on conn.
func takeLock(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), "select pg_advisory_lock($1)", LockKey); err != nil {
		t.Fatal(err)
	}
}

// lockedConn is a session holding the migration lock, as Apply's is.
func lockedConn(t *testing.T, db *pgtest.DB) *pgx.Conn {
	t.Helper()
	conn := session(t, db)
	takeLock(t, conn)
	return conn
}

// applyTxPlain is applyTx without progress notices, creating a version-0 ledger.
func applyTxPlain(ctx context.Context, conn *pgx.Conn, tr Loaded, group []*journal.Migration) error {
	return applyTx(ctx, conn, tr, group, true, ledger.Version0, newProgress(tr, group, &Options{}))
}

// tableRows counts the rows of table in db, -1 when there is no such table.
func tableRows(t *testing.T, db *pgtest.DB, table string) int {
	t.Helper()
	conn := pgtest.Connect(t, db.URL)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "select count(*) from "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		return -1 // no table
	}
	return n
}

// wantLedgerRows fails the test unless the client ledger of db holds want
// rows (no ledger counts as none); why, if given, says whose rows they are.
func wantLedgerRows(t *testing.T, db *pgtest.DB, want int, why string) {
	t.Helper()
	conn := pgtest.Connect(t, db.URL)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `select count(*) from drizzle.__client_migrations`).Scan(&n); err != nil {
		n = 0 // no ledger: no row
	}
	if n != want {
		if why != "" {
			why = " (" + why + ")"
		}
		t.Errorf("%d ledger rows written, want %d%s", n, want, why)
	}
}

// wantErrorSays fails the test for each fragment err's message lacks.
func wantErrorSays(t *testing.T, err error, frags ...string) {
	t.Helper()
	for _, frag := range frags {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q lacks %q", err, frag)
		}
	}
}
