package tracks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// These tests bypass (*journal.Migration).Check, which refuses the SQL up
// front, to prove the runtime safety nets behind it.

func rawMigration(tag, sql string) *journal.Migration {
	return &journal.Migration{Entry: journal.Entry{Tag: tag, When: 1800000000000}, File: tag + ".sql", SQL: sql, Hash: journal.Hash([]byte(sql))}
}

func sessionFor(t *testing.T) (*pgtest.DB, Loaded) {
	return pgtest.New(t), Loaded{Track: Track{Name: Client, Ledger: ledger.ClientTable}}
}

func countLedger(t *testing.T, db *pgtest.DB) int {
	t.Helper()
	conn := pgtest.Connect(t, db.URL)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `select count(*) from drizzle.__client_migrations`).Scan(&n); err != nil {
		return 0 // no ledger: no row
	}
	return n
}

// A COMMIT the lexer did not see ends the runner's transaction: no ledger
// row is written and the error says the statements may be committed.
func TestTxEndedWritesNoRow(t *testing.T) {
	for name, sql := range map[string]string{
		"commit":          "CREATE TABLE t1 (id int);\n--> statement-breakpoint\nCOMMIT;\n--> statement-breakpoint\nCREATE TABLE t2 (id int);",
		"rollback":        "CREATE TABLE t1 (id int);\n--> statement-breakpoint\nROLLBACK;",
		"commit then err": "CREATE TABLE t1 (id int);\n--> statement-breakpoint\nCOMMIT;\n--> statement-breakpoint\nSELECT 1/0;",
	} {
		t.Run(name, func(t *testing.T) {
			db, tr := sessionFor(t)
			ctx := context.Background()
			conn, err := Connect(ctx, db.URL, Session{})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			err = applyTxPlain(ctx, conn, tr, []*journal.Migration{rawMigration("0000_x", sql)})
			var te *TxEndedError
			if !errors.As(err, &te) || !errors.Is(err, ErrTxEnded) || te.Tags[0] != "0000_x" {
				t.Fatalf("applyTx = %v, want a *TxEndedError naming 0000_x", err)
			}
			if n := countLedger(t, db); n != 0 {
				t.Errorf("%d ledger rows written", n)
			}
		})
	}
}

// COPY ... FROM STDIN is answered with CopyFail: the statement fails with
// its position, at once, and the session stays usable (so the lock is
// released). On the old code this hung until the context ran out.
func TestCopyFromStdinFailsFast(t *testing.T) {
	db, tr := sessionFor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := Connect(ctx, db.URL, Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	start := time.Now()
	tx := rawMigration("0000_copy", "CREATE TABLE c (a int);\n--> statement-breakpoint\nCOPY c FROM STDIN;")
	err = applyTxPlain(ctx, conn, tr, []*journal.Migration{tx})
	var se *StatementError
	if !errors.As(err, &se) || se.Statement != 2 || se.Line != 3 || se.SQLState != "57014" {
		t.Fatalf("applyTx = %v, want a StatementError at statement 2, line 3, SQLSTATE 57014", err)
	}
	noTx := rawMigration("0001_copy", journal.NoTransactionDirective+"\nCREATE TABLE c2 (a int);\n--> statement-breakpoint\nCOPY c2 FROM STDIN;")
	noTx.NoTransaction = true
	err = applyNoTx(ctx, conn, tr, noTx, true, ledger.Version0, &Options{})
	if !errors.As(err, &se) || se.Statement != 2 || se.Line != 4 {
		t.Fatalf("applyNoTx = %v, want a StatementError at statement 2, line 4", err)
	}
	if time.Since(start) > 15*time.Second || ctx.Err() != nil {
		t.Fatalf("took %s", time.Since(start))
	}
	var one int
	if err := conn.QueryRow(ctx, "select 1").Scan(&one); err != nil {
		t.Fatalf("session unusable after COPY: %v", err)
	}
	if n := countLedger(t, db); n != 0 {
		t.Errorf("%d ledger rows written", n)
	}
}

// A migration that releases the migration lock is rolled back before
// COMMIT (the check rides in the ledger insert's pipeline).
func TestLockLostRollsBack(t *testing.T) {
	db, tr := sessionFor(t)
	ctx := context.Background()
	conn, err := Connect(ctx, db.URL, Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", LockKey); err != nil {
		t.Fatal(err)
	}
	m := rawMigration("0000_unlock", "CREATE TABLE t1 (id int);\n--> statement-breakpoint\nSELECT pg_advisory_unlock_all();")
	err = applyTxPlain(ctx, conn, tr, []*journal.Migration{m})
	var le *LockLostError
	if !errors.As(err, &le) || !errors.Is(err, ErrLockLost) || le.Tags[0] != "0000_unlock" {
		t.Fatalf("applyTx = %v, want a *LockLostError naming 0000_unlock", err)
	}
	var exists bool
	if err := conn.QueryRow(ctx, "select to_regclass('t1') is not null").Scan(&exists); err != nil || exists {
		t.Errorf("t1 committed (%v)", err)
	}
	if n := countLedger(t, db); n != 0 {
		t.Errorf("%d ledger rows written", n)
	}
	// With the lock held, the same migration is fine.
	if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", LockKey); err != nil {
		t.Fatal(err)
	}
	ok := rawMigration("0000_ok", "CREATE TABLE t1 (id int);")
	if err := applyTxPlain(ctx, conn, tr, []*journal.Migration{ok}); err != nil {
		t.Fatalf("applyTx with the lock held: %v", err)
	}
}

// applyTxPlain is applyTx without progress notices, creating a version-0 ledger.
func applyTxPlain(ctx context.Context, conn *pgx.Conn, tr Loaded, group []*journal.Migration) error {
	return applyTx(ctx, conn, tr, group, true, ledger.Version0, newProgress(tr, group, &Options{}))
}
