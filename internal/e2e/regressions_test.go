// Regression tests for bugs the reliability suite found (both fixed).
package e2e

import (
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// TestPendingNoTxFirstStatementMessage: a no-transaction migration whose
// first statement fails is reported as "rolled back: the ledger and schema
// are unchanged" (tracks/apply.go sets Partial only when st.Index > 0), but a
// failed CREATE INDEX CONCURRENTLY leaves an INVALID index: the message must
// not claim the schema is unchanged, and should name the leftover index.
func TestNoTxFirstStatementMessage(t *testing.T) {
	db := pgtest.New(t)
	dir := writeFolder(t, t.TempDir(), uniqueOnDuplicates(false)...)
	r := run(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--track", "client")
	if r.Code != 1 {
		t.Fatalf("want exit 1: %s", r)
	}
	if strings.Contains(r.Stderr, "schema are unchanged") {
		t.Errorf("the error claims the schema is unchanged although an INVALID index was left:\n%s", r.Stderr)
	}
	mustContain(t, "stderr", strings.ToLower(r.Stderr), "outside a transaction", "invalid")
}

// TestPendingUnknownCommandExit2: an unknown command prints an error but
// exits 0 (cmd/hogsend-db/app.go: app.CommandNotFound only prints, and
// urfave/cli then returns nil); the exit-code table says 2 for usage errors,
// and a CI script with a typo must not pass.
func TestUnknownCommandExit2(t *testing.T) {
	r := run(t, "", nil, "migrat")
	if r.Code != 2 {
		t.Errorf("unknown command: exit %d, want 2:\n%s", r.Code, r)
	}
	mustContain(t, "stderr", r.Stderr, `unknown command "migrat"`)
}
