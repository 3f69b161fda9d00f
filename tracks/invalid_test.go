package tracks_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// A failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index: migrate
// must not stamp the migration (not even on a re-run with IF NOT EXISTS,
// which skips the invalid index silently), and status must name it with the
// migration it came from and the remedy.
func TestInvalidConcurrentIndex(t *testing.T) {
	db := pgtest.New(t)
	conn := connect(t, db)
	ctx := ctxT(t)
	base := mig{"0000_users", 1700000000000, "CREATE TABLE users (id int, email text);\n--> statement-breakpoint\nINSERT INTO users VALUES (1, 'a'), (2, 'a');"}
	build := mig{"0001_email_key", 1700000000100, "-- hogsend-db:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY \"users_email_key\" ON users (email);"}
	ts := []tracks.Loaded{client(t, folder(base, build))}

	_, err := tracks.Apply(ctx, conn, ts, tracks.Options{})
	var ie *tracks.InvalidIndexError
	if !errors.Is(err, tracks.ErrInvalidIndex) || !errors.As(err, &ie) || ie.Indexes[0].Index != "public.users_email_key" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "DROP INDEX CONCURRENTLY") || !strings.Contains(err.Error(), "23505") {
		t.Fatalf("error lacks the remedy or the cause: %v", err)
	}
	if got := rowsOf(t, db, ledger.ClientTable); len(got) != 1 {
		t.Fatalf("ledger %v: only 0000 may be recorded", got)
	}
	rep, err := tracks.Status(ctx, conn, ts)
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Track(tracks.Client)
	if len(st.InvalidIndexes) != 1 || st.InvalidIndexes[0].Migration != "0001_email_key" || !st.Problems() {
		t.Fatalf("status %+v", st.InvalidIndexes)
	}

	// Re-run with IF NOT EXISTS: PostgreSQL skips the invalid index.
	ifne := build
	ifne.sql = strings.Replace(build.sql, "CONCURRENTLY", "CONCURRENTLY IF NOT EXISTS", 1)
	ts = []tracks.Loaded{client(t, folder(base, ifne))}
	if _, err := tracks.Apply(ctx, conn, ts, tracks.Options{}); !errors.Is(err, tracks.ErrInvalidIndex) {
		t.Fatalf("IF NOT EXISTS over an invalid index must not be stamped: %v", err)
	}
	if got := rowsOf(t, db, ledger.ClientTable); len(got) != 1 {
		t.Fatalf("ledger %v after the IF NOT EXISTS run", got)
	}

	// The remedy works.
	db.Exec(t, `DROP INDEX CONCURRENTLY users_email_key`)
	db.Exec(t, `UPDATE users SET email = 'b' WHERE id = 2`)
	if _, err := tracks.Apply(ctx, conn, ts, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	if rep, err = tracks.Status(ctx, conn, ts); err != nil || !rep.Track(tracks.Client).InSync || rep.Problems() {
		t.Fatalf("after the remedy: %+v %v", rep.Track(tracks.Client), err)
	}
}
