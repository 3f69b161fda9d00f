package tracks

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// Record writes the ledger rows of migs, migrations of t, into t.Ledger
// (a ledger of the given version, ledger.Version0 or ledger.Version1) in
// the transaction open on conn, behind the two checks of every ledger write
// of Apply, in the same round trip as the insert:
//
//   - conn's session must hold the migration lock (LockKey); otherwise the
//     error matches ErrLockLost. A session behind a pooler in transaction
//     mode, or one whose lock was released, could otherwise write while a
//     migrate runs.
//   - no row with the hash and created_at (and, version 1, the name) of one
//     of migs may exist, committed by a session that did not wait for the
//     lock (drizzle-orm's migrator takes none); otherwise the error matches
//     ErrRecordedElsewhere and names them.
//
// Either failure aborts the transaction: the caller rolls it back, and no
// row is written twice. It is what `repair --from-push` writes with.
func Record(ctx context.Context, conn *pgx.Conn, t Loaded, migs []*journal.Migration, version int) error {
	if len(migs) == 0 {
		return nil
	}
	if version != ledger.Version0 && version != ledger.Version1 {
		return fmt.Errorf("%s track: record in %s: unknown ledger version %d", t.Name, t.Ledger, version)
	}
	rec := recordBatch(t, migs, version, false)
	if _, err := conn.PgConn().ExecBatch(ctx, rec.Batch).ReadAll(); err != nil {
		if isLockLost(err) {
			return fmt.Errorf("%s track: record %s in %s: %w (this session no longer holds advisory lock %d); no row written",
				t.Name, tagList(migs), t.Ledger, ErrLockLost, LockKey)
		}
		if tags, ok := recordedElsewhere(err, migs); ok {
			return fmt.Errorf("%s track: record %s in %s: %w: %s already there; no row written",
				t.Name, tagList(migs), t.Ledger, ErrRecordedElsewhere, strings.Join(tags, ", "))
		}
		return fmt.Errorf("%s track: record %s in %s: %w", t.Name, tagList(migs), t.Ledger, err)
	}
	return nil
}
