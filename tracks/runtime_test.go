package tracks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

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
			err := applyTxPlain(context.Background(), session(t, db), tr, []*journal.Migration{rawMigration("0000_x", sql)})
			var te *TxEndedError
			if !errors.As(err, &te) || !errors.Is(err, ErrTxEnded) || te.Tags[0] != "0000_x" {
				t.Fatalf("applyTx = %v, want a *TxEndedError naming 0000_x", err)
			}
			wantLedgerRows(t, db, 0, "")
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
	conn := session(t, db)
	start := time.Now()
	tx := rawMigration("0000_copy", "CREATE TABLE c (a int);\n--> statement-breakpoint\nCOPY c FROM STDIN;")
	err := applyTxPlain(ctx, conn, tr, []*journal.Migration{tx})
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
	wantLedgerRows(t, db, 0, "")
}

// A migration that releases the migration lock is rolled back before
// COMMIT (the check rides in the ledger insert's pipeline).
func TestLockLostRollsBack(t *testing.T) {
	db, tr := sessionFor(t)
	ctx := context.Background()
	conn := lockedConn(t, db)
	m := rawMigration("0000_unlock", "CREATE TABLE t1 (id int);\n--> statement-breakpoint\nSELECT pg_advisory_unlock_all();")
	err := applyTxPlain(ctx, conn, tr, []*journal.Migration{m})
	var le *LockLostError
	if !errors.As(err, &le) || !errors.Is(err, ErrLockLost) || le.Tags[0] != "0000_unlock" {
		t.Fatalf("applyTx = %v, want a *LockLostError naming 0000_unlock", err)
	}
	var exists bool
	if err := conn.QueryRow(ctx, "select to_regclass('t1') is not null").Scan(&exists); err != nil || exists {
		t.Errorf("t1 committed (%v)", err)
	}
	wantLedgerRows(t, db, 0, "")
	// With the lock held, the same migration is fine.
	takeLock(t, conn)
	ok := rawMigration("0000_ok", "CREATE TABLE t1 (id int);")
	if err := applyTxPlain(ctx, conn, tr, []*journal.Migration{ok}); err != nil {
		t.Fatalf("applyTx with the lock held: %v", err)
	}
}
