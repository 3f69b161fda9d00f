package ledger_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
)

// A ledger the role may not read, or with a created_at that is not an
// integer, is an *UnreadableError with the reason and the remedy (it used
// to be a bare error that status reported as "database down").
func TestReadUnreadable(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	db.Exec(t, `CREATE SCHEMA drizzle;
		CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at text);
		INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('h', 'soon')`)

	r, err := ledger.NewReader([]ledger.Table{ledger.EngineTable, ledger.ClientTable})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Read(ctx, db.Conn(t))
	var ue *ledger.UnreadableError
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, `"soon"`) || !strings.Contains(ue.Remedy, "UPDATE") ||
		len(ue.Tables) != 1 || ue.Tables[0] != ledger.EngineTable {
		t.Fatalf("bad created_at: %#v", err)
	}

	roleURL := pgtest.Role(t, db, "ledger_noread", "NOCREATEDB")
	u, err := url.Parse(roleURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, roleURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	db.Exec(t, "GRANT USAGE ON SCHEMA drizzle TO "+pgx.Identifier{u.User.Username()}.Sanitize())
	r, _ = ledger.NewReader([]ledger.Table{ledger.EngineTable, ledger.ClientTable})
	_, err = r.Read(ctx, conn)
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "permission denied") {
		t.Fatalf("permission denied: %v", err)
	}
	want := `GRANT SELECT ON "drizzle"."__drizzle_migrations" TO ` + pgx.Identifier{u.User.Username()}.Sanitize()
	if !strings.Contains(ue.Remedy, want) {
		t.Errorf("remedy %q, want it to contain %q (only tables that exist)", ue.Remedy, want)
	}
	// The remedy works.
	db.Exec(t, ue.Remedy)
	db.Exec(t, "UPDATE drizzle.__drizzle_migrations SET created_at = '1'")
	if _, err := r.Read(ctx, conn); err != nil {
		t.Errorf("after the remedy: %v", err)
	}
}
