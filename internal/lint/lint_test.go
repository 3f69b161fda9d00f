package lint_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/lint"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/journal"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var testdata = filepath.Join("..", "..", "testdata", "lint")

func openDir(t *testing.T, dir string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func engineJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(engine.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func lastTag(j *journal.Journal) []string { return []string{j.Migrations[len(j.Migrations)-1].Tag} }

// lintCase lints the last migration of a testdata folder; HS401 folders
// are client tracks on top of the bundled engine track.
func lintCase(t *testing.T, code, kind string, tags ...string) *lint.Report {
	t.Helper()
	dir := filepath.Join(testdata, code, kind)
	j := openDir(t, dir)
	if len(tags) == 0 {
		tags = lastTag(j)
	}
	var ts []lint.Track
	if code == lint.CodeEngineObject {
		ts = append(ts, lint.Track{Name: lint.Engine, Journal: engineJournal(t)})
	}
	ts = append(ts, lint.Track{Name: "client", Journal: j, Dir: dir, Lint: tags})
	rep, err := lint.Run(context.Background(), pgtest.New(t).AdminURL, ts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func codes(fs []lint.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Code
	}
	return out
}

func describe(fs []lint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s:%d:%d %s %s: %s", f.File, f.Line, f.Col, f.Severity, f.Code, f.Message)
	}
	return b.String()
}

func has(fs []lint.Finding, code string) *lint.Finding {
	for i := range fs {
		if fs[i].Code == code {
			return &fs[i]
		}
	}
	return nil
}

// TestRules: for every rule, the "bad" folder's last migration triggers it
// and the "good" folder's last migration (the safe form) lints clean.
func TestRules(t *testing.T) {
	ruleCodes := map[string]bool{}
	for _, r := range lint.Rules() {
		ruleCodes[r.Code] = true
	}
	entries, err := os.ReadDir(testdata)
	if err != nil {
		t.Fatal(err)
	}
	tested := 0
	for _, e := range entries {
		code := e.Name()
		if !ruleCodes[code] {
			continue
		}
		tested++
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			bad := lintCase(t, code, "bad")
			f := has(bad.Findings, code)
			if f == nil {
				t.Fatalf("bad: %s not reported; findings:%s", code, describe(bad.Findings))
			}
			if f.Line < 1 || f.Col < 1 || !strings.HasSuffix(f.File, ".sql") || f.Statement == "" || f.Why == "" || f.Fix == "" {
				t.Errorf("bad: incomplete finding %+v", *f)
			}
			good := lintCase(t, code, "good")
			if len(good.Findings) != 0 {
				t.Errorf("good: want no findings, got:%s", describe(good.Findings))
			}
		})
	}
	// Every rule that a migration can trigger has a folder (HS00x are
	// about suppressions and tested below).
	if want := len(ruleCodes) - 3; tested != want {
		t.Errorf("tested %d rules, want %d", tested, want)
	}
}

// Renames are reported as renames, not as drop + add.
func TestRenamesAreNotDrops(t *testing.T) {
	for _, code := range []string{lint.CodeRenameTable, lint.CodeRenameColumn} {
		rep := lintCase(t, code, "bad")
		got := codes(rep.Findings)
		if len(got) != 1 || got[0] != code {
			t.Errorf("%s: findings %v, want only %s:%s", code, got, code, describe(rep.Findings))
		}
	}
}

func TestEnumSwapReportsDroppedValue(t *testing.T) {
	rep := lintCase(t, lint.CodeEnumValueDrop, "bad")
	f := has(rep.Findings, lint.CodeEnumValueDrop)
	if f == nil || !strings.Contains(f.Message, `"paused"`) {
		t.Fatalf("findings:%s", describe(rep.Findings))
	}
	if strings.Contains(f.Message, `"active"`) || strings.Contains(f.Message, `"done"`) {
		t.Errorf("kept values reported: %s", f.Message)
	}
}

// ALTER TYPE ... ADD VALUE in one pending migration and its use in the
// next: fine when the first is already applied, an error when both are
// pending (they run in one transaction).
func TestEnumValueAcrossPendingMigrations(t *testing.T) {
	if rep := lintCase(t, lint.CodeEnumValueUse, "good"); len(rep.Findings) != 0 {
		t.Fatalf("use alone:%s", describe(rep.Findings))
	}
	rep := lintCase(t, lint.CodeEnumValueUse, "good", "0001_archived", "0002_archive_default")
	f := has(rep.Findings, lint.CodeEnumValueUse)
	if f == nil {
		t.Fatalf("both pending: HS203 missing:%s", describe(rep.Findings))
	}
	if f.Tag != "0002_archive_default" || f.Line != 1 || !strings.Contains(f.Message, "0001_archived.sql:1:1") {
		t.Errorf("finding %s:%d:%d %q", f.File, f.Line, f.Col, f.Message)
	}
	if len(rep.Linted) != 2 {
		t.Errorf("linted %v", rep.Linted)
	}
}

func TestSuppressionWithReason(t *testing.T) {
	rep := lintCase(t, "suppress-reason", "good")
	if len(rep.Findings) != 0 {
		t.Fatalf("findings:%s", describe(rep.Findings))
	}
	if len(rep.Suppressed) != 1 || rep.Suppressed[0].Code != lint.CodeDropColumn ||
		!strings.HasPrefix(rep.Suppressed[0].Reason, "score is unused since release 1.3") {
		t.Errorf("suppressed: %+v", rep.Suppressed)
	}
}

func TestSuppressionWithoutReason(t *testing.T) {
	rep := lintCase(t, "suppress-noreason", "bad")
	drop, noReason := has(rep.Findings, lint.CodeDropColumn), has(rep.Findings, lint.CodeNoReason)
	if drop == nil || noReason == nil || len(rep.Suppressed) != 0 {
		t.Fatalf("findings:%s\nsuppressed: %v", describe(rep.Findings), rep.Suppressed)
	}
	if noReason.Severity != lint.Error {
		t.Errorf("HS001 severity %s", noReason.Severity)
	}
	// The directive is on line 2, the statement on line 3.
	if noReason.Line != 2 || noReason.Col != 1 || drop.Line != 3 || drop.Col != 1 {
		t.Errorf("positions: HS001 %d:%d, DS103 %d:%d", noReason.Line, noReason.Col, drop.Line, drop.Col)
	}
}

// Positions point at the statement (or token) in the file.
func TestPositions(t *testing.T) {
	rep := lintCase(t, lint.CodeDropColumn, "bad")
	f := has(rep.Findings, lint.CodeDropColumn)
	if f == nil {
		t.Fatal("no DS103")
	}
	want := filepath.Join(testdata, "DS103", "bad", "0001_drop_score.sql")
	if f.File != filepath.ToSlash(want) || f.Line != 2 || f.Col != 1 || f.Statement != `ALTER TABLE "accounts" DROP COLUMN "score";` {
		t.Errorf("got %s:%d:%d %q", f.File, f.Line, f.Col, f.Statement)
	}
	// A keyword finding points at the keyword.
	rep = lintCase(t, lint.CodeDropCascade, "bad")
	f = has(rep.Findings, lint.CodeDropCascade)
	if f == nil || f.Line != 2 || f.Col != 47 {
		t.Errorf("CASCADE finding: %+v", f)
	}
}

// The bundled engine migrations are additive: none of them has an
// error-level finding, linted one by one or all pending at once.
func TestEngineTrackLintsClean(t *testing.T) {
	j := engineJournal(t)
	var all []string
	for _, m := range j.Migrations {
		all = append(all, m.Tag)
	}
	start := time.Now()
	rep, err := lint.Run(context.Background(), pgtest.New(t).AdminURL, []lint.Track{{Name: lint.Engine, Journal: j, Lint: all}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("linted %d engine migrations in %v; warnings:%s", len(rep.Linted), time.Since(start), describe(rep.Findings))
	if n := rep.Count(lint.Error); n != 0 {
		t.Errorf("%d errors:%s", n, describe(rep.Findings))
	}
	if len(rep.Linted) != len(all) {
		t.Errorf("linted %d of %d", len(rep.Linted), len(all))
	}
	for _, tag := range all {
		rep, err := lint.Run(context.Background(), pgtest.New(t).AdminURL, []lint.Track{{Name: lint.Engine, Journal: j, Lint: []string{tag}}})
		if err != nil {
			t.Fatal(err)
		}
		if n := rep.Count(lint.Error); n != 0 {
			t.Errorf("%s: %d errors:%s", tag, n, describe(rep.Findings))
		}
	}
}

func TestUnknownTagAndBrokenMigration(t *testing.T) {
	j := openDir(t, filepath.Join(testdata, "DS102", "good"))
	_, err := lint.Run(context.Background(), "postgres://unused", []lint.Track{{Name: "client", Journal: j, Lint: []string{"0009_nope"}}})
	if !errors.Is(err, lint.ErrUnknownTag) {
		t.Errorf("err = %v, want ErrUnknownTag", err)
	}
	// A migration PostgreSQL rejects stops the run with its position.
	j.Migrations[1].SQL = "CREATE TABLE \"x\" (\n  \"id\" nosuchtype\n);"
	_, err = lint.Run(context.Background(), pgtest.New(t).AdminURL, []lint.Track{{Name: "client", Journal: j, Lint: lastTag(j)}})
	var se *schemastate.StepError
	if !errors.As(err, &se) || se.Line != 2 || se.Col != 8 {
		t.Errorf("err = %v, want StepError at 2:8", err)
	}
}

func TestRulesTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range lint.Rules() {
		if seen[r.Code] || r.Title == "" || r.Why == "" || r.Fix == "" || (r.Severity != lint.Error && r.Severity != lint.Warning) {
			t.Errorf("bad rule %+v", r)
		}
		seen[r.Code] = true
	}
}

func TestSuppressionUnknownAndUnused(t *testing.T) {
	base := "CREATE TABLE \"t\" (\"id\" int, \"x\" text);"
	mig := "-- hogsend-db:lint-ignore XX999 a typo\nALTER TABLE \"t\" ADD COLUMN \"a\" text;" + journal.Breakpoint + "\n" +
		"-- hogsend-db:lint-ignore DS103 nothing is dropped here\nALTER TABLE \"t\" ADD COLUMN \"b\" text;\n" +
		"-- hogsend-db:lint-ignore DS103 x is unused since 1.2\n" + journal.Breakpoint + "\n" +
		"ALTER TABLE \"t\" DROP COLUMN \"x\";"
	fsys := fstest.MapFS{
		"meta/_journal.json": {Data: []byte(`{"version":"7","dialect":"postgresql","entries":[` +
			`{"idx":0,"version":"7","when":1,"tag":"0000_base","breakpoints":true},` +
			`{"idx":1,"version":"7","when":2,"tag":"0001_x","breakpoints":true}]}`)},
		"0000_base.sql": {Data: []byte(base)},
		"0001_x.sql":    {Data: []byte(mig)},
	}
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := lint.Run(context.Background(), pgtest.New(t).AdminURL, []lint.Track{{Name: "client", Journal: j, Lint: []string{"0001_x"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := describe(rep.Findings)
	want := "\n  0001_x.sql:1:1 warning HS002: lint-ignore names unknown code \"XX999\"" +
		"\n  0001_x.sql:3:1 warning HS003: lint-ignore DS103 matches no finding of the statement"
	if got != want {
		t.Errorf("findings:%s\nwant:%s", got, want)
	}
	if len(rep.Suppressed) != 1 || rep.Suppressed[0].Code != lint.CodeDropColumn || rep.Suppressed[0].Line != 7 {
		t.Errorf("suppressed %+v", rep.Suppressed)
	}
}
