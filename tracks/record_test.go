package tracks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// recordBatch names the results applyTx reads: the insert's is an INSERT
// of every row of the group, COMMIT's is COMMIT and the last, whatever
// leads them in the pipeline. Reordering or adding a statement there cannot
// silently shift what applyTx takes for "the rows went in".
func TestRecordBatchNamesItsResults(t *testing.T) {
	for _, version := range []int{ledger.Version0, ledger.Version1} {
		for _, commit := range []bool{true, false} {
			t.Run(fmt.Sprintf("version %d commit %v", version, commit), func(t *testing.T) {
				db, tr := sessionFor(t)
				ctx := context.Background()
				conn := lockedConn(t, db)
				if _, err := conn.Exec(ctx, "BEGIN; "+ledger.EnsureVersionSQL(tr.Ledger, false, version)); err != nil {
					t.Fatal(err)
				}
				group := []*journal.Migration{rawMigration("0000_a", "SELECT 1"), rawMigration("0001_b", "SELECT 2")}
				group[1].When++
				group[0].Name, group[1].Name = "0000_a", "0001_b"

				rec := recordBatch(tr, group, version, commit)
				results, err := conn.PgConn().ExecBatch(ctx, rec.Batch).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if got := results[rec.insert].CommandTag; !got.Insert() || got.RowsAffected() != 2 || !rec.succeeded(results, rec.insert) {
					t.Errorf("result %d (insert) is %q, want the insert of 2 rows", rec.insert, got)
				}
				if !commit {
					if rec.commit != -1 || len(results) != rec.insert+1 {
						t.Errorf("without COMMIT: commit index %d, %d results, insert at %d (want -1 and the insert last)", rec.commit, len(results), rec.insert)
					}
					rollback(ctx, conn)
					return
				}
				if rec.commit != len(results)-1 || results[rec.commit].CommandTag.String() != "COMMIT" {
					t.Errorf("result %d (commit) of %d is %q, want COMMIT, last", rec.commit, len(results), results[rec.commit].CommandTag)
				}
				wantLedgerRows(t, db, 2, "committed")
			})
		}
	}
}

// A deferred constraint fails at COMMIT, after the ledger insert went
// through: the error says the commit failed, not the recording.
func TestApplyTxCommitFailureIsNotARecordFailure(t *testing.T) {
	db, tr := sessionFor(t)
	ctx := context.Background()
	conn := lockedConn(t, db)
	m := rawMigration("0000_deferred", "CREATE TABLE p (id int PRIMARY KEY);"+bpTest+
		"CREATE TABLE c (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED);"+bpTest+"INSERT INTO c VALUES (1);")
	err := applyTxPlain(ctx, conn, tr, []*journal.Migration{m})
	var pg *pgconn.PgError
	if err == nil || !strings.Contains(err.Error(), "client track: commit 0000_deferred: ") || strings.Contains(err.Error(), "record ") ||
		!errors.As(err, &pg) || pg.Code != "23503" {
		t.Fatalf("applyTx = %v, want the COMMIT's foreign key violation (23503) reported as a failed commit", err)
	}
	wantLedgerRows(t, db, 0, "")
}
