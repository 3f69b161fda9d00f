package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// TestOddTagsQuoted: a tag holding a newline or an escape sequence was
// printed raw, splitting lines and colouring the terminal. Wherever a tag
// is printed as text it is quoted; JSON escapes it.
func TestOddTagsQuoted(t *testing.T) {
	db := pgtest.New(t)
	newline, escape := "0000_a\nb", "0001_\x1b[31mred"
	dir := writeFolder(t, t.TempDir(),
		mig{newline, 1, "CREATE TABLE odd_a (id int);"},
		mig{escape, 2, "CREATE TABLE odd_b (id int);"},
		mig{"0002_c", 3, "CREATE TABLEX odd_c (id int);"}, // fails: its error names the earlier tags
	)
	client := []string{"--database-url", db.URL, "--dir", dir, "--track", "client"}
	check := func(what string, out string) {
		t.Helper()
		if strings.Contains(out, "\x1b") || strings.Contains(out, newline) {
			t.Errorf("%s prints a tag raw:\n%q", what, out)
		}
	}
	for i, args := range [][]string{
		{"status"}, {"migrate", "--dry-run"}, {"migrate", "--tx", "migration"}, {"status"}, {"repair", "--from-push", "--dry-run"},
	} {
		r := run(t, "", nil, append(args, client...)...)
		check(strings.Join(args, " "), r.Stdout+r.Stderr)
		if i == 0 && (!strings.Contains(r.Stdout, strconv.Quote(newline)) || !strings.Contains(r.Stdout, strconv.Quote(escape))) {
			t.Errorf("status does not show the pending tags quoted:\n%s", r.Stdout)
		}
	}
	r := run(t, "", nil, append([]string{"status", "--json"}, client...)...)
	var doc struct {
		Schema map[string]struct{ Applied *string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || doc.Schema["client"].Applied == nil || *doc.Schema["client"].Applied != escape {
		t.Errorf("status --json: %v\n%s", err, r)
	}
}
