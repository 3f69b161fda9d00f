package tracks

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// recordElsewhere writes m's row from another session, as a second migrate
// that ran m while this one had given the lock away would.
func recordElsewhere(t *testing.T, db *pgtest.DB, m *journal.Migration, version int) {
	t.Helper()
	conn := pgtest.Connect(t, db.URL)
	defer conn.Close(context.Background())
	var err error
	if version == ledger.Version1 {
		err = ledger.InsertNamed(context.Background(), conn, ledger.ClientTable, m.Hash, m.When, m.Name)
	} else {
		err = ledger.Insert(context.Background(), conn, ledger.ClientTable, m.Hash, m.When)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// The duplicate guard: a row for the migration that another session
// committed meanwhile makes the transaction roll back, in both ledger
// versions, and the error names the migration. Before the guard the second
// row was written and the effects committed twice.
func TestDuplicateGuardRollsBack(t *testing.T) {
	for _, version := range []int{ledger.Version0, ledger.Version1} {
		t.Run(map[int]string{ledger.Version0: "v0", ledger.Version1: "v1"}[version], func(t *testing.T) {
			db, tr := sessionFor(t)
			ctx := context.Background()
			conn := lockedConn(t, db)
			first := rawMigration("0000_a", "CREATE TABLE a (id int);")
			if err := applyTx(ctx, conn, tr, []*journal.Migration{first}, true, version, newProgress(tr, nil, &Options{})); err != nil {
				t.Fatal(err)
			}
			m := rawMigration("0001_b", "INSERT INTO a VALUES (1);")
			m.When, m.Name = 1800000000100, "0001_b"
			other := rawMigration("0002_c", "INSERT INTO a VALUES (2);")
			other.When, other.Name = 1800000000200, "0002_c"
			recordElsewhere(t, db, m, version)
			group := []*journal.Migration{m, other}
			err := applyTx(ctx, conn, tr, group, false, version, newProgress(tr, group, &Options{}))
			var re *RecordedElsewhereError
			if !errors.As(err, &re) || !errors.Is(err, ErrRecordedElsewhere) || strings.Join(re.Tags, ",") != "0001_b" {
				t.Fatalf("applyTx = %v, want a *RecordedElsewhereError naming 0001_b", err)
			}
			wantErrorSays(t, err, "another session recorded 0001_b", "rolled back: 0001_b, 0002_c not applied")
			if n := tableRows(t, db, "a"); n != 0 {
				t.Errorf("a has %d rows, want 0 (rolled back)", n)
			}
			wantLedgerRows(t, db, 2, "0000_a, and 0001_b by the other session")
		})
	}
}

// A no-transaction migration that gives the lock away gets no row, and the
// error says its statements ran and committed and may have run twice.
// Before, applyNoTx wrote the row without checking the lock.
func TestNoTxLockLostWritesNoRow(t *testing.T) {
	db, tr := sessionFor(t)
	ctx := context.Background()
	conn := lockedConn(t, db)
	m := rawMigration("0000_nt", "CREATE TABLE t1 (id int);"+bpTest+"SELECT pg_advisory_unlock_all();")
	err := applyNoTx(ctx, conn, tr, m, true, ledger.Version0, &Options{})
	var le *LockLostError
	if !errors.As(err, &le) || !le.NoTransaction || le.Tags[0] != "0000_nt" {
		t.Fatalf("applyNoTx = %v, want a no-transaction *LockLostError naming 0000_nt", err)
	}
	wantErrorSays(t, err, "ran and committed in this session", "applied twice", "wrote no ledger row")
	wantLedgerRows(t, db, 0, "")
	if n := tableRows(t, db, "t1"); n != 0 {
		t.Errorf("t1: %d (want the table, committed, empty)", n)
	}
}

// A no-transaction migration another session recorded meanwhile gets no
// second row, and the error says its effects may have been applied twice.
func TestNoTxRecordedElsewhere(t *testing.T) {
	db, tr := sessionFor(t)
	ctx := context.Background()
	conn := lockedConn(t, db)
	if err := ledger.Ensure(ctx, conn, ledger.ClientTable); err != nil {
		t.Fatal(err)
	}
	m := rawMigration("0000_nt", "CREATE TABLE t1 (id int);")
	recordElsewhere(t, db, m, ledger.Version0)
	err := applyNoTx(ctx, conn, tr, m, false, ledger.Version0, &Options{})
	var re *RecordedElsewhereError
	if !errors.As(err, &re) || !re.NoTransaction || re.Tags[0] != "0000_nt" {
		t.Fatalf("applyNoTx = %v, want a no-transaction *RecordedElsewhereError naming 0000_nt", err)
	}
	wantErrorSays(t, err, "ran and committed in this session", "another session recorded it", "applied twice")
	wantLedgerRows(t, db, 1, "the other session's")
}

// A message PostgreSQL cannot parse runs nothing, not even BEGIN: the
// session is idle afterwards, as after a COMMIT in the SQL, but that is an
// ordinary failed statement, not "the SQL ended the transaction". Before,
// it was reported as a *TxEndedError ("may be committed").
func TestParseErrorIsStatementError(t *testing.T) {
	for name, sql := range map[string]string{
		"syntax error in chunk 2": "CREATE TABLE a (id int);" + bpTest + "CREATE TABLE (;",
		"backslash command":       "CREATE TABLE a (id int);" + bpTest + "\\copy a from 'x'",
	} {
		t.Run(name, func(t *testing.T) {
			db, tr := sessionFor(t)
			ctx := context.Background()
			conn := lockedConn(t, db)
			err := applyTxPlain(ctx, conn, tr, []*journal.Migration{rawMigration("0000_x", sql)})
			var se *StatementError
			if !errors.As(err, &se) || errors.Is(err, ErrTxEnded) || se.Statement != 2 || se.SQLState != "42601" {
				t.Fatalf("applyTx = %v, want a *StatementError at statement 2 (42601), not a *TxEndedError", err)
			}
			if msg := err.Error(); strings.Contains(msg, "may be committed") || !strings.Contains(msg, "rolled back") {
				t.Errorf("error %q: want rolled back, never may be committed", msg)
			}
			if n := tableRows(t, db, "a"); n != -1 {
				t.Errorf("table a exists")
			}
		})
	}
}

// A no-transaction migration that opens a transaction of its own, which a
// failing statement aborts or the migration leaves open: the statements
// since the BEGIN are rolled back, the error says so, the session is idle
// again and no row is written. Before, an aborted one was said to have
// applied statements 1-3 "and they stay" although the INSERT was gone, and
// an open one got its ledger row written into that transaction and
// committed with it.
func TestNoTxOwnTransaction(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tail  string // after CREATE TABLE keep; BEGIN; INSERT INTO t
		check func(t *testing.T, err error)
		frags []string
	}{
		{name: "aborted", tail: bpTest + "SELECT 1/0;", check: func(t *testing.T, err error) {
			var se *StatementError
			if !errors.As(err, &se) || se.TxOpenedAt != 2 || se.Statement != 4 {
				t.Fatalf("applyNoTx = %v, want a *StatementError at statement 4 with the transaction opened at 2", err)
			}
			if strings.Contains(err.Error(), "statements 1-3 were applied") {
				t.Errorf("error %q claims the rolled-back statements stay", err)
			}
		}, frags: []string{"statements 2-4 not applied", "statement 1 was applied and stays", "no ledger row"}},
		{name: "left open", check: func(t *testing.T, err error) {
			var oe *OpenTxError
			if !errors.As(err, &oe) || !errors.Is(err, ErrTxOpen) || oe.Tag != "0000_nt" || oe.Opened != 2 {
				t.Fatalf("applyNoTx = %v, want an *OpenTxError naming 0000_nt, opened at statement 2", err)
			}
		}, frags: []string{"0000_nt", "statements 2-3 not applied", "statement 1 was applied and stays", "no ledger row"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, tr := sessionFor(t)
			ctx := context.Background()
			conn := lockedConn(t, db)
			if _, err := conn.Exec(ctx, "CREATE TABLE t (id int)"); err != nil {
				t.Fatal(err)
			}
			m := rawMigration("0000_nt", "CREATE TABLE keep (id int);"+bpTest+"BEGIN;"+bpTest+"INSERT INTO t VALUES (1);"+tc.tail)
			err := applyNoTx(ctx, conn, tr, m, true, ledger.Version0, &Options{})
			tc.check(t, err)
			wantErrorSays(t, err, tc.frags...)
			if st := conn.PgConn().TxStatus(); st != 'I' {
				t.Errorf("session left in transaction status %c", st)
			}
			if n := tableRows(t, db, "t"); n != 0 {
				t.Errorf("t has %d rows, want 0", n)
			}
			if n := tableRows(t, db, "keep"); n != 0 {
				t.Errorf("keep: %d, want the table (statement 1 stays)", n)
			}
			wantLedgerRows(t, db, 0, "")
		})
	}
}
