package journal_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/journal"
)

func folder(name string) fs.FS { return os.DirFS(filepath.Join("..", "testdata", "journal", name)) }

func TestOpenBadFolders(t *testing.T) {
	cases := []struct {
		dir       string
		want      error
		file      string
		line      int // 0: no position expected
		fragments []string
	}{
		{"missing-journal", journal.ErrNoJournal, "meta/_journal.json", 0, []string{"no meta/_journal.json"}},
		{"invalid-json", journal.ErrInvalidJSON, "meta/_journal.json", 12, []string{"invalid JSON"}},
		{"wrong-type", journal.ErrInvalidJSON, "meta/_journal.json", 15, []string{`"when"`, "an integer", "not string"}},
		{"wrong-dialect", journal.ErrDialect, "meta/_journal.json", 1, []string{`"mysql"`}},
		{"missing-tag", journal.ErrMissingTag, "meta/_journal.json", 12, []string{"entry 1"}},
		{"missing-when", journal.ErrMissingWhen, "meta/_journal.json", 12, []string{"0001_add_tickets"}},
		{"duplicate-tag", journal.ErrDuplicateTag, "meta/_journal.json", 12, []string{`"0000_init"`, "entries 0 and 1"}},
		{"duplicate-when", journal.ErrDuplicateWhen, "meta/_journal.json", 12, []string{"0000_init and 0001_add_tickets"}},
		{"bad-tag", journal.ErrBadTag, "meta/_journal.json", 12, []string{`"../0001_add_tickets"`}},
		{"missing-file", journal.ErrMissingFile, "0001_add_tickets.sql", 0, []string{"restore the file"}},
		{"invalid-utf8", journal.ErrInvalidUTF8, "0001_add_tickets.sql", 2, []string{"0001_add_tickets.sql:2:"}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			j, err := journal.Open(folder(tc.dir))
			if err == nil {
				t.Fatalf("Open succeeded with %d migrations, want %v", len(j.Migrations), tc.want)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v is not %v", err, tc.want)
			}
			var je *journal.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %T is not a *journal.Error", err)
			}
			if je.File != tc.file || je.Line != tc.line {
				t.Errorf("position %s:%d, want %s:%d (%v)", je.File, je.Line, tc.file, tc.line, err)
			}
			for _, f := range tc.fragments {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("message %q lacks %q", err, f)
				}
			}
		})
	}
}

func TestMissingJournalIsNotExist(t *testing.T) {
	_, err := journal.Open(fstest.MapFS{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v should match fs.ErrNotExist so callers can treat a missing folder as empty", err)
	}
	_, err = journal.Open(folder("invalid-json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("invalid JSON must not look like a missing folder: %v", err)
	}
}

func TestOpenOK(t *testing.T) {
	j, err := journal.Open(folder("ok"))
	if err != nil {
		t.Fatal(err)
	}
	if got := j.Tags(); !reflect.DeepEqual(got, []string{"0000_init", "0001_add_tickets"}) {
		t.Fatalf("tags %v", got)
	}
	m := j.Migrations[0]
	raw, _ := os.ReadFile(filepath.Join("..", "testdata", "journal", "ok", "0000_init.sql"))
	if m.SQL != string(raw) || m.Hash != journal.Hash(raw) || len(m.Hash) != 64 {
		t.Fatalf("file text or hash differ from the file's bytes")
	}
	if m.When != 1795304834121 || m.File != "0000_init.sql" || m.NoTransaction {
		t.Fatalf("entry %+v", m)
	}
	stmts := m.Statements()
	if len(stmts) != 2 || !strings.HasPrefix(stmts[1].SQL, "\nCREATE INDEX") || stmts[1].Line != 6 || stmts[1].Col != 1 {
		t.Fatalf("statements %+v", stmts)
	}
	if got := j.NotIncreasing(); len(got) != 0 {
		t.Fatalf("NotIncreasing = %v, want none", got)
	}
}

func TestNotIncreasingIsReadButFlagged(t *testing.T) {
	j, err := journal.Open(folder("not-increasing"))
	if err != nil {
		t.Fatal(err)
	}
	if got := j.NotIncreasing(); !reflect.DeepEqual(got, []string{"0001_add_tickets"}) {
		t.Fatalf("NotIncreasing = %v", got)
	}
}

func TestNoTransactionDirective(t *testing.T) {
	j, err := journal.Open(folder("no-transaction"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Migrations[0].NoTransaction || !j.Migrations[1].NoTransaction {
		t.Fatalf("directive read wrongly: %v %v", j.Migrations[0].NoTransaction, j.Migrations[1].NoTransaction)
	}
}

func TestCRLFAndBOMKeptForHash(t *testing.T) {
	j, err := journal.Open(folder("crlf"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join("..", "testdata", "journal", "crlf", "0000_init.sql"))
	m := j.Migrations[0]
	if m.Hash != journal.Hash(raw) || !strings.HasPrefix(m.SQL, "\ufeff") || !strings.Contains(m.SQL, "\r\n") {
		t.Fatal("BOM/CRLF must be kept byte for byte: drizzle hashes the raw text")
	}
	if st := m.Statements(); len(st) != 2 || st[1].Line != 5 {
		t.Fatalf("statements %+v", st)
	}
}

func TestEmptyJournal(t *testing.T) {
	j, err := journal.Open(folder("empty"))
	if err != nil || len(j.Migrations) != 0 {
		t.Fatalf("empty journal: %v, %v", j, err)
	}
}

func TestMarshalJournalRoundTrip(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join("..", "testdata", "journal", "ok", "meta", "_journal.json"))
	j, err := journal.Open(folder("ok"))
	if err != nil {
		t.Fatal(err)
	}
	if got := journal.MarshalJournal(j.File()); string(got) != string(raw) {
		t.Fatalf("MarshalJournal differs from drizzle-kit's bytes:\n%s\n---\n%s", got, raw)
	}
	if got := string(journal.MarshalJournal(journal.File{Version: "7", Dialect: "postgresql"})); !strings.Contains(got, `"entries": []`) {
		t.Fatalf("empty entries must render as []: %s", got)
	}
}

func TestSplitLikeDrizzle(t *testing.T) {
	src := "A;\n--> statement-breakpoint\nB; -- é\n--> statement-breakpointC;"
	st := journal.Split(src)
	want := []string{"A;\n", "\nB; -- é\n", "C;"}
	if len(st) != len(want) {
		t.Fatalf("got %d statements", len(st))
	}
	for i, s := range st {
		if s.SQL != want[i] || s.Index != i || src[s.Offset:s.Offset+len(s.SQL)] != s.SQL {
			t.Errorf("statement %d = %+v", i, s)
		}
	}
	if st[2].Line != 4 || st[2].Col != 25 {
		t.Errorf("C at %d:%d, want 4:25", st[2].Line, st[2].Col)
	}
}

func TestPosition(t *testing.T) {
	src := "ab\ncé d"
	for _, tc := range []struct{ off, line, col int }{{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {6, 2, 3}, {99, 2, 5}} {
		if l, c := journal.Position(src, tc.off); l != tc.line || c != tc.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("CREATE TABLE a();\n--> statement-breakpoint\nSELECT 1;")
	f.Add("--> statement-breakpoint--> statement-breakpoint")
	f.Add("\ufeffé\r\n--> statement-breakpoint\r\n")
	f.Fuzz(func(t *testing.T, src string) {
		st := journal.Split(src)
		var b strings.Builder
		for i, s := range st {
			if i > 0 {
				b.WriteString(journal.Breakpoint)
			}
			if src[s.Offset:s.Offset+len(s.SQL)] != s.SQL {
				t.Fatalf("offset %d does not point at statement %d", s.Offset, i)
			}
			b.WriteString(s.SQL)
		}
		if b.String() != src {
			t.Fatalf("joining the statements does not give the file back")
		}
	})
}

// openFuzzed opens fsys for a fuzz target: nil when Open refuses it, and
// the target fails unless the refusal names the file at fault.
func openFuzzed(t *testing.T, fsys fs.FS) *journal.Journal {
	t.Helper()
	j, err := journal.Open(fsys)
	if err != nil {
		var je *journal.Error
		if !errors.As(err, &je) || je.File == "" {
			t.Fatalf("error without a file: %v", err)
		}
		return nil
	}
	return j
}

func FuzzOpen(f *testing.F) {
	ok, _ := os.ReadFile(filepath.Join("..", "testdata", "journal", "ok", "meta", "_journal.json"))
	f.Add(string(ok), "SELECT 1;")
	f.Add(`{"dialect":"postgresql","entries":[{"tag":"a","when":1}]}`, "x")
	f.Add(`{"dialect":"postgresql","entries":[{}]}`, "")
	f.Fuzz(func(t *testing.T, journalJSON, sql string) {
		fsys := fstest.MapFS{
			"meta/_journal.json":   {Data: []byte(journalJSON)},
			"0000_init.sql":        {Data: []byte(sql)},
			"0001_add_tickets.sql": {Data: []byte(sql)},
			"a.sql":                {Data: []byte(sql)},
		}
		j := openFuzzed(t, fsys)
		if j == nil {
			return
		}
		seen := map[string]bool{}
		for _, m := range j.Migrations {
			if seen[m.Tag] || strings.ContainsAny(m.Tag, "/\\") {
				t.Fatalf("accepted a bad or duplicate tag %q", m.Tag)
			}
			seen[m.Tag] = true
		}
	})
}

func ExampleOpen() {
	fsys := fstest.MapFS{
		"meta/_journal.json": {Data: []byte(`{"version":"7","dialect":"postgresql","entries":[
			{"idx":0,"version":"7","when":1795304834121,"tag":"0000_init","breakpoints":true}]}`)},
		"0000_init.sql": {Data: []byte("CREATE TABLE \"a\" (\"id\" int);\n--> statement-breakpoint\nCREATE INDEX \"a_idx\" ON \"a\" (\"id\");")},
	}
	j, err := journal.Open(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range j.Migrations {
		fmt.Println(m.Tag, m.When, len(m.Statements()), "statements", m.Hash[:12])
	}
	// Output: 0000_init 1795304834121 2 statements 47bf548d2c16
}

func TestConcurrentIndexes(t *testing.T) {
	m := &journal.Migration{SQL: "-- hogsend-db:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Odd \"\"x\" ON t (a);\n" +
		"--> statement-breakpoint\ncreate index concurrently Plain_Idx on t (b);\n--> statement-breakpoint\nCREATE INDEX \"not_concurrent\" ON t (c);"}
	got := m.ConcurrentIndexes()
	if !reflect.DeepEqual(got, []string{`Odd "x`, "plain_idx"}) {
		t.Fatalf("ConcurrentIndexes = %q", got)
	}
}

// A journal that is valid JSON but not shaped like one gets a message in
// the file's own terms: no Go type names ("journal.rawFile",
// "[]json.RawMessage") and no wrong cause ("dialect is not postgresql"
// for null).
func TestOpenJournalShapes(t *testing.T) {
	for data, want := range map[string]string{
		`[]`:   "the journal is an array, not an object",
		`null`: "the journal is null, not an object",
		`"x"`:  "the journal is a string, not an object",
		`{"version": "7", "dialect": "postgresql", "entries": null}`:         `"entries" is null, not an array`,
		`{"version": "7", "dialect": "postgresql", "entries": {}}`:           `"entries" is an object, not an array`,
		`{"version": "7", "dialect": "postgresql", "entries": [[]]}`:         "entry 0 must be an object, not array",
		`{"version": "7", "dialect": "postgresql", "entries": [{"tag": 1}]}`: `entry 0: "tag" must be a string, not number`,
		`{"version": 7, "dialect": "postgresql", "entries": []}`:             `"version" must be a string, not number`,
		`{"version": "7", "entries": []}`:                                    `no "dialect"`,
	} {
		_, err := journal.Open(fstest.MapFS{journal.JournalPath: {Data: []byte(data)}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", data, err, want)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "json.") || strings.Contains(msg, "rawFile") || strings.Contains(msg, "rawEntry") || strings.Contains(msg, "*") {
			t.Errorf("%s: Go type names in %q", data, msg)
		}
	}
}

func TestCharOffset(t *testing.T) {
	for _, tc := range []struct {
		stmt      string
		pos, want int
	}{
		{"SELECT x", 0, 0},
		{"SELECT x", 1, 0},
		{"SELECT x", 8, 7},
		{"SELECT 'é' + x", 13, 13}, // é is two bytes, one character
		{"ab", 99, 2},
	} {
		if got := journal.CharOffset(tc.stmt, tc.pos); got != tc.want {
			t.Errorf("CharOffset(%q, %d) = %d, want %d", tc.stmt, tc.pos, got, tc.want)
		}
	}
}

func TestErrorPosition(t *testing.T) {
	src := "CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE 'é' bogus;"
	st := journal.Split(src)[1]
	// The statement starts with the newline after the breakpoint, which
	// PostgreSQL counts: position 19 is the "b" of bogus, line 3 col 18.
	if line, col := journal.ErrorPosition(src, st, 19); line != 3 || col != 18 {
		t.Errorf("ErrorPosition(19) = %d:%d, want 3:18", line, col)
	}
	if line, col := journal.ErrorPosition(src, st, 0); line != st.Line || col != st.Col {
		t.Errorf("ErrorPosition(0) = %d:%d, want the statement's start %d:%d", line, col, st.Line, st.Col)
	}
}

// A statement's position is its first token's, not a comment's before it
// (the no-transaction directive): an error without a position points there.
func TestStatementPositionSkipsComments(t *testing.T) {
	src := journal.NoTransactionDirective + "\n\n  /* why */ -- more\r\nSELECT 1/0;\n--> statement-breakpoint\n-- only a comment\n"
	st := journal.Split(src)
	if st[0].Line != 4 || st[0].Col != 1 {
		t.Errorf("statement 1 at %d:%d, want 4:1", st[0].Line, st[0].Col)
	}
	if line, col := journal.ErrorPosition(src, st[0], 0); line != 4 || col != 1 {
		t.Errorf("ErrorPosition = %d:%d, want 4:1", line, col)
	}
	if st[1].Line != 6 || st[1].Col != 1 {
		t.Errorf("comment-only statement 2 at %d:%d, want 6:1", st[1].Line, st[1].Col)
	}
}
