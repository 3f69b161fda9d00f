package journal_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hogsend/hogsend-db/journal"
)

func TestOpenFolders(t *testing.T) {
	fsys := fstest.MapFS{
		"20240102030405_b/migration.sql":     {Data: []byte("CREATE TABLE b();")},
		"20240102030405_b/snapshot.json":     {Data: []byte("{}")},
		"20240102030405_a/migration.sql":     {Data: []byte("CREATE TABLE a();\n--> statement-breakpoint\nSELECT 1;")},
		"20240101000000_init/migration.sql":  {Data: []byte("CREATE TABLE i();")},
		"20240101000001_draft/snapshot.json": {Data: []byte("{}")}, // no migration.sql: drizzle ignores it
		"notes/README.md":                    {Data: []byte("x")},
		"README.md":                          {Data: []byte("x")},
	}
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if j.Layout != journal.LayoutFolders {
		t.Fatalf("layout %v, want folders", j.Layout)
	}
	want := []string{"20240101000000_init", "20240102030405_a", "20240102030405_b"}
	if got := j.Tags(); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for _, m := range j.Migrations {
		if m.Name != m.Tag || m.File != m.Tag+"/migration.sql" {
			t.Errorf("%s: name %q file %q", m.Tag, m.Name, m.File)
		}
		if m.Hash != journal.Hash([]byte(m.SQL)) {
			t.Errorf("%s: hash is not the file's", m.Tag)
		}
	}
	if got, want := j.Migrations[0].When, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(); got != want {
		t.Errorf("created_at %d, want %d", got, want)
	}
	if j.Migrations[1].When != j.Migrations[2].When {
		t.Error("folders of one second must share created_at, as drizzle computes it")
	}
	if n := len(j.Migrations[1].Statements()); n != 2 {
		t.Errorf("%d statements, want 2", n)
	}
	if ni := j.NotIncreasing(); len(ni) != 0 {
		t.Errorf("NotIncreasing %v in the 1.0 layout", ni)
	}
}

func TestOpenFoldersBad(t *testing.T) {
	for _, name := range []string{"init", "2024010100000_x", "20241301000000_x", "20240230000000_x", "2024010100000a_x", "20240101246000_x"} {
		t.Run(name, func(t *testing.T) {
			_, err := journal.Open(fstest.MapFS{
				"20240101000000_ok/migration.sql": {Data: []byte("SELECT 1;")},
				name + "/migration.sql":           {Data: []byte("SELECT 1;")},
			})
			if !errors.Is(err, journal.ErrBadFolderName) {
				t.Fatalf("error %v, want ErrBadFolderName", err)
			}
			var je *journal.Error
			if !errors.As(err, &je) || je.File != name || !strings.Contains(err.Error(), name) {
				t.Fatalf("error %v does not name the folder %s", err, name)
			}
		})
	}
}

func TestOpenBothLayouts(t *testing.T) {
	_, err := journal.Open(fstest.MapFS{
		"meta/_journal.json":                {Data: []byte(`{"dialect":"postgresql","entries":[]}`)},
		"20240101000000_init/migration.sql": {Data: []byte("SELECT 1;")},
	})
	if !errors.Is(err, journal.ErrBothLayouts) || !strings.Contains(err.Error(), "20240101000000_init/migration.sql") {
		t.Fatalf("error %v, want ErrBothLayouts naming both", err)
	}
}

func TestOpenFoldersInvalidUTF8(t *testing.T) {
	_, err := journal.Open(fstest.MapFS{"20240101000000_init/migration.sql": {Data: []byte("SELECT 1;\n\xff")}})
	var je *journal.Error
	if !errors.Is(err, journal.ErrInvalidUTF8) || !errors.As(err, &je) || je.File != "20240101000000_init/migration.sql" || je.Line != 2 {
		t.Fatalf("error %v, want invalid UTF-8 at 20240101000000_init/migration.sql:2", err)
	}
}

func FuzzOpenFolders(f *testing.F) {
	f.Add("20240101000000_init", "SELECT 1;")
	f.Add("20241301000000_x", "")
	f.Add("99991231235959", "--> statement-breakpoint")
	f.Fuzz(func(t *testing.T, name, sql string) {
		fsys := fstest.MapFS{name + "/migration.sql": {Data: []byte(sql)}}
		j := openFuzzed(t, fsys)
		if j == nil {
			return
		}
		for _, m := range j.Migrations {
			when, ok := journal.FolderTime(m.Name)
			if !ok || when != m.When || m.Hash != journal.Hash([]byte(m.SQL)) {
				t.Fatalf("accepted %q with created_at %d", m.Name, m.When)
			}
		}
	})
}

// Retimed keeps what follows the time, and reads the time back as FolderTime
// does: the second of millis, in UTC.
func TestRetimed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		millis int64
		want   string
	}{
		{"20240105000000_add_users", 1700000000900, "20231114221320_add_users"},
		{"20240105000000", 1700000000000, "20231114221320"},
		{"20240105000000-odd name", 0, "19700101000000-odd name"},
	} {
		got := journal.Retimed(tc.name, tc.millis)
		if got != tc.want {
			t.Errorf("Retimed(%q, %d) = %q, want %q", tc.name, tc.millis, got, tc.want)
		}
		if ms, ok := journal.FolderTime(got); !ok || ms != tc.millis/1000*1000 {
			t.Errorf("FolderTime(%q) = %d, %v", got, ms, ok)
		}
	}
}
