package e2e

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// TestStatusLedgerUnreadable: a ledger the role may not read, or a
// created_at that is not an integer, made status report the database
// "down" with ledgerExists false. The database is up; the ledger is
// unreadable, with the reason and the fix.
func TestStatusLedgerUnreadable(t *testing.T) {
	db := pgtest.New(t)
	dir := writeFolder(t, t.TempDir(), migA)
	if r := run(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--track", "client"); r.Code != 0 {
		t.Fatalf("migrate: %s", r)
	}
	roleURL := pgtest.Role(t, db, "e2e_noread", "NOCREATEDB")
	u, _ := url.Parse(roleURL)
	role := pgx.Identifier{u.User.Username()}.Sanitize()
	type doc struct {
		Status     string
		Components map[string]struct{ Status, Error, Remedy string }
		Schema     map[string]struct{ LedgerExists bool }
	}
	check := func(name, dbURL, reason, remedy string) {
		t.Helper()
		r := run(t, "", nil, "status", "--json", "--database-url", dbURL, "--dir", dir, "--track", "client")
		var d doc
		if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, r)
		}
		if r.Code != 1 || d.Components["database"].Status != "up" || d.Components["ledger"].Status != "down" ||
			!d.Schema["client"].LedgerExists {
			t.Errorf("%s: exit %d, %+v", name, r.Code, d)
		}
		mustContain(t, name+" error", d.Components["ledger"].Error, reason)
		mustContain(t, name+" remedy", d.Components["ledger"].Remedy, remedy)
		r = run(t, "", nil, "status", "--database-url", dbURL, "--dir", dir, "--track", "client")
		if r.Code != 1 {
			t.Errorf("%s text: exit %d", name, r.Code)
		}
		mustContain(t, name+" stderr", r.Stderr, "the database is up", reason, remedy)
	}
	check("permission denied", roleURL, "permission denied", "GRANT SELECT ON \"drizzle\".\"__client_migrations\", \"drizzle\".\"__hogsend_releases\" TO "+role)

	db.Exec(t, `ALTER TABLE drizzle.__client_migrations ALTER COLUMN created_at TYPE text; UPDATE drizzle.__client_migrations SET created_at = 'soon'`)
	check("created_at", db.URL, `created_at "soon", not an integer`, "UPDATE \"drizzle\".\"__client_migrations\" SET created_at")
}
