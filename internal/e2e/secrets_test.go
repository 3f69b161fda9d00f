package e2e

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// passwordForms is every spelling of pw that could leak: raw and escaped
// the ways URLs escape it.
func passwordForms(pw string) []string {
	userinfo := strings.TrimSuffix(strings.TrimPrefix((&url.URL{User: url.UserPassword("u", pw)}).String(), "//u:"), "@")
	forms := []string{pw, url.QueryEscape(pw), url.PathEscape(pw), userinfo}
	out := forms[:0]
	for _, f := range forms {
		if !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSecretsNeverPrinted runs hogsend-db on every path that prints a URL,
// an error or a JSON document, with a sentinel password in the database
// URL (flag, --flag=value, DATABASE_URL, key=value DSN, ?password=), and
// checks the password appears in no spelling in stdout or stderr:
// successes, dry runs, JSON, failing statements, lock timeouts, refused and
// unresolvable hosts, missing databases, wrong passwords (a SCRAM server),
// malformed URLs and usage errors.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	_, roleURL := authServer(t)
	folder := writeFolder(t, t.TempDir(), migA, migB)
	broken := writeFolder(t, t.TempDir(), migA, mig{"0001_b", 1800000005100, "CREATE TABLEX b (id int);"})
	var runs atomic.Int64
	for i, pw := range []string{"S3ntinelPw-e2e", "S3nt:n@l P/w%e2e&?#"} {
		t.Run("password"+strconv.Itoa(i+1), func(t *testing.T) {
			t.Parallel()
			forms := passwordForms(pw)
			type path struct {
				name string
				env  []string
				args []string
				code int
			}
			fresh := func() string { return withPassword(t, pgtest.New(t).URL, pw) }
			holdLock := func() string {
				db := pgtest.New(t)
				c := pgtest.Connect(t, db.URL)
				if _, err := c.Exec(context.Background(), "select pg_advisory_lock(4812007)"); err != nil {
					t.Fatal(err)
				}
				return withPassword(t, db.URL, pw)
			}
			refused := withPassword(t, "postgres://postgres@127.0.0.1:1/x?sslmode=disable", pw)
			unresolvable := withPassword(t, "postgres://postgres@hogsend-e2e.invalid:5432/x?sslmode=disable&connect_timeout=2", pw)
			missing := withDB(t, fresh(), "hogsend_no_such_database")
			wrongPW := withPassword(t, roleURL, pw)
			dsn := "host=127.0.0.1 port=1 user=postgres dbname=x sslmode=disable password='" + strings.ReplaceAll(pw, "'", `\'`) + "'"
			query := "postgres://postgres@127.0.0.1:1/x?sslmode=disable&password=" + url.QueryEscape(pw)
			malformed := "postgres://postgres:" + url.PathEscape(pw) + "@127.0.0.1:notaport/x"
			noCreateDB := withPassword(t, pgtest.Role(t, pgtest.New(t), "e2e_nocreatedb", "NOCREATEDB"), pw) // trust auth: any password
			client := []string{"--dir", folder, "--track", "client"}
			paths := []path{
				{"migrate", nil, append([]string{"migrate", "--database-url", fresh()}, client...), 0},
				{"migrate --json", nil, append([]string{"migrate", "--json", "--database-url", fresh()}, client...), 0},
				{"migrate --dry-run", nil, append([]string{"migrate", "--dry-run", "--database-url", fresh()}, client...), 0},
				{"migrate --dry-run --json", nil, append([]string{"migrate", "--dry-run", "--json", "--database-url", fresh()}, client...), 0},
				{"status", nil, append([]string{"status", "--database-url", fresh()}, client...), 3},
				{"status --json", nil, append([]string{"status", "--json", "--database-url", fresh()}, client...), 3},
				{"failing statement", nil, []string{"migrate", "--database-url", fresh(), "--dir", broken, "--track", "client"}, 1},
				{"failing statement --json", nil, []string{"migrate", "--json", "--database-url", fresh(), "--dir", broken, "--track", "client"}, 1},
				{"lock wait timeout", nil, append([]string{"migrate", "--lock-wait", "200ms", "--database-url", holdLock()}, client...), 5},
				{"lock wait timeout --json", nil, append([]string{"migrate", "--json", "--lock-wait", "200ms", "--database-url", holdLock()}, client...), 5},
				{"refused", nil, append([]string{"migrate", "--database-url", refused}, client...), 1},
				{"refused --json", nil, append([]string{"migrate", "--json", "--database-url", refused}, client...), 1},
				{"refused --dry-run", nil, append([]string{"migrate", "--dry-run", "--database-url", refused}, client...), 1},
				{"refused status --json", nil, append([]string{"status", "--json", "--database-url", refused}, client...), 1},
				{"refused --database-url=", nil, append([]string{"migrate", "--database-url=" + refused}, client...), 1},
				{"unresolvable host", nil, append([]string{"migrate", "--database-url", unresolvable}, client...), 1},
				{"missing database", nil, append([]string{"migrate", "--database-url", missing}, client...), 1},
				{"missing database status --json", nil, append([]string{"status", "--json", "--database-url", missing}, client...), 1},
				{"wrong password", nil, append([]string{"migrate", "--database-url", wrongPW}, client...), 1},
				{"wrong password --json", nil, append([]string{"migrate", "--json", "--database-url", wrongPW}, client...), 1},
				{"wrong password status --json", nil, append([]string{"status", "--json", "--database-url", wrongPW}, client...), 1},
				{"DATABASE_URL", []string{"DATABASE_URL=" + fresh()}, append([]string{"status"}, client...), 3},
				{"DATABASE_URL refused", []string{"DATABASE_URL=" + refused}, append([]string{"migrate", "--json"}, client...), 1},
				{"key=value DSN", nil, append([]string{"migrate", "--database-url", dsn}, client...), 1},
				{"?password=", nil, append([]string{"migrate", "--database-url", query}, client...), 1},
				{"malformed URL", nil, append([]string{"migrate", "--database-url", malformed}, client...), 1},
				{"drift, no CREATEDB", nil, append([]string{"drift", "--database-url", noCreateDB}, client...), 1},
				{"drift --json, no CREATEDB", nil, append([]string{"drift", "--json", "--database-url", noCreateDB}, client...), 1},
				{"usage error", nil, append([]string{"migrate", "--database-url", refused, "--tx", "bogus"}, client...), 2},
			}
			for _, p := range paths {
				r := run(t, "", p.env, p.args...)
				runs.Add(1)
				if r.Code != p.code {
					t.Errorf("%s (password %q): exit %d, want %d\n%s", p.name, pw, r.Code, p.code, r)
				}
				for _, f := range forms {
					if strings.Contains(r.Stdout, f) || strings.Contains(r.Stderr, f) {
						t.Errorf("%s: the password leaks as %q:\n%s", p.name, f, r)
					}
				}
			}
		})
	}
	t.Cleanup(func() {
		figure(t, "%d runs (2 sentinel passwords x %d paths), password printed in no spelling (raw, path-, query-, userinfo-escaped)", runs.Load(), runs.Load()/2)
	})
}

// TestSecretsHostileShapes: connection strings whose password the tool
// cannot parse, or parses only with libpq's quoting rules, on every command
// that prints a URL or a connect error, as --database-url, --dev-url and
// their env vars, text and --json. Each password holds the fragment Zq7X
// after a character that cuts a URL short ("/", "?", "#") or a quote or
// escape: pgconn's parse error used to print `invalid port ":Zq7X"`, a
// padded --dev-url was printed in clear, and keyword DSNs with escapes were
// masked only up to the first space.
func TestSecretsHostileShapes(t *testing.T) {
	t.Parallel()
	folder := writeFolder(t, t.TempDir(), migA)
	schema := filepath.Join(t.TempDir(), "schema.sql")
	writeFile(t, schema, "CREATE TABLE a (id int);\n")
	const fragment = "Zq7X"
	var shapes []string
	for _, pw := range []string{"pa/Zq7Xq9", "pa?Zq7Xq9", "pa#Zq7Xq9", "a b'Zq7X\\q9", "ünï Zq7X"} {
		quoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw)
		shapes = append(shapes,
			"postgres://postgres:"+pw+"@127.0.0.1:1/x",
			"host=127.0.0.1 port=1 password='"+quoted+"' dbname=x",
			"host=127.0.0.1 port=1 password="+strings.ReplaceAll(quoted, " ", `\ `)+" dbname=x",
			"  postgres://postgres:"+url.PathEscape(pw)+"@127.0.0.1:1/x",
			"POSTGRES://postgres:"+url.PathEscape(pw)+"@127.0.0.1:1/x",
			"postgres://postgres:"+url.PathEscape(pw)+"@[::1/x",
		)
	}
	shapes = append(shapes, "postgres://postgres@[::1/"+fragment)
	commands := [][]string{
		{"migrate"}, {"migrate", "--dry-run"}, {"status"}, {"drift"}, {"repair", "--from-push", "--yes"},
		{"generate", "--schema", schema}, {"lint"},
	}
	trackless := map[string]bool{"generate": true}
	runs := 0
	for _, shape := range shapes {
		for _, cmd := range commands {
			for _, json := range []bool{false, true} {
				args := append(append([]string{}, cmd...), "--dir", folder, "--track", "client", "--connect-timeout", "2s")
				if trackless[cmd[0]] {
					args = slices.DeleteFunc(args, func(a string) bool { return a == "--track" || a == "client" })
				}
				if json {
					args = append(args, "--json")
				}
				if cmd[0] == "lint" || cmd[0] == "generate" || cmd[0] == "repair" {
					args = slices.DeleteFunc(args, func(a string) bool { return a == "--connect-timeout" || a == "2s" })
				}
				for _, how := range []struct {
					env  []string
					args []string
				}{
					{nil, []string{"--database-url", shape}},
					{[]string{"DATABASE_URL=" + shape}, nil},
					{nil, []string{"--dev-url=" + shape, "--database-url", "postgres://postgres@127.0.0.1:1/x"}},
					{[]string{"HOGSEND_DEV_URL=" + shape}, []string{"--database-url", "postgres://postgres@127.0.0.1:1/x"}},
				} {
					if how.args != nil && strings.HasPrefix(how.args[0], "--dev-url") && (cmd[0] == "migrate" || cmd[0] == "status") {
						continue // no --dev-url flag
					}
					r := run(t, "", how.env, append(args, how.args...)...)
					runs++
					if r.Code != 1 {
						t.Errorf("%q %v %v: exit %d, want 1:\n%s", shape, how.env, append(args, how.args...), r.Code, r)
					}
					if strings.Contains(r.Stdout, fragment) || strings.Contains(r.Stderr, fragment) {
						t.Errorf("%q %v %v: the password leaks:\n%s", shape, how.env, append(args, how.args...), r)
					}
				}
			}
		}
	}
	t.Cleanup(func() { figure(t, "%d runs of hostile connection strings, no fragment of a password printed", runs) })
}
