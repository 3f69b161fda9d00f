package verify

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestCatalogType(t *testing.T) {
	for in, want := range map[string]string{
		"integer": "integer", "serial": "integer", "bigserial": "bigint", "text": "text",
		"timestamp": "timestamp without time zone", "timestamp with time zone": "timestamp with time zone",
		"timestamp (3) with time zone": "timestamp(3) with time zone", "timestamp (6)": "timestamp(6) without time zone",
		"varchar(255)": "character varying(255)", "varchar": "character varying", "char(2)": "character(2)",
		"numeric(10, 2)": "numeric(10,2)", "numeric(10)": "numeric(10,0)", "text[]": "text[]", "integer[]": "integer[]",
		"geometry(point)": "", "vector(3)": "", "varchar(x)": "", "text[][]": "", "halfvec": "",
	} {
		if got := CatalogType(in, ""); got != want {
			t.Errorf("CatalogType(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CatalogType("ticket_state", "public"); got != "" {
		t.Errorf("an enum column's type is compared: %q", got)
	}
}

func TestParseEngineSnapshot(t *testing.T) {
	data, err := os.ReadFile("../engine/migrations/meta/0005_snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseSnapshot(data)
	if err != nil || len(e.Tables) < 10 || len(e.Enums) != 2 {
		t.Fatalf("%v: %d tables, %d enums", err, len(e.Tables), len(e.Enums))
	}
	if e.Tables[0].Schema != "public" || e.Tables[0].Name != "account" || !e.Tables[0].PrimaryKey {
		t.Errorf("first table %+v", e.Tables[0])
	}
}

func TestParseSnapshotRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"not json":      `{"version":"7",`,
		"version 5":     `{"version":"5","dialect":"postgresql"}`,
		"mysql":         `{"version":"7","dialect":"mysql"}`,
		"unnamed table": `{"version":"7","dialect":"postgresql","tables":{"x":{"name":""}}}`,
		"unnamed enum":  `{"version":"7","dialect":"postgresql","enums":{"x":{"name":""}}}`,
		"array tables":  `{"version":"7","dialect":"postgresql","tables":[]}`,
	} {
		if _, err := ParseSnapshot([]byte(in)); !errors.Is(err, ErrBadSnapshot) && !errors.Is(err, ErrSnapshotVersion) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLocate(t *testing.T) {
	for name, c := range map[string]struct {
		f    Folder
		tags []string
	}{
		"0.x": {Folder{FS: fstest.MapFS{"meta/0001_snapshot.json": {Data: []byte("{}")}}}, []string{"0000_a", "0001_b", "0002_c"}},
		// drizzle-kit 0.x with prefix "timestamp": the tag looks like a
		// 1.0 folder, the snapshot is still in meta/.
		"0.x timestamp": {Folder{FS: fstest.MapFS{"meta/20240101000001_snapshot.json": {Data: []byte("{}")}}},
			[]string{"20240101000000_a", "20240101000001_b", "20240101000002_c"}},
		"1.0": {Folder{FS: fstest.MapFS{"20240101000001_b/snapshot.json": {Data: []byte("{}")},
			"20240101000002_c/migration.sql": {Data: []byte("")}}, PerMigration: true},
			[]string{"20240101000000_a", "20240101000001_b", "20240101000002_c"}},
	} {
		if i, err := c.f.Locate(c.tags, 2); err != nil || i != 1 {
			t.Errorf("%s: Locate at 2 = %d, %v; want 1 (the newest before it)", name, i, err)
		}
		if _, err := c.f.Locate(c.tags, 0); !errors.Is(err, ErrNoSnapshot) {
			t.Errorf("%s: Locate at 0: %v", name, err)
		}
	}
}

// FuzzParseSnapshot feeds both snapshot versions (7 and 8) to the parser.
func FuzzParseSnapshot(f *testing.F) {
	if data, err := os.ReadFile("../engine/migrations/meta/0005_snapshot.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"version":"7","dialect":"postgresql","tables":{"public.t":{"name":"t","schema":"","columns":{"a":{"name":"a","type":"varchar(3)[]"}}}}}`))
	// Version 8 (drizzle-kit 1.0).
	if data, err := os.ReadFile(v4Snapshot); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"version":"8","dialect":"postgres","ddl":[{"entityType":"tables","schema":"s","name":"t"},` +
		`{"entityType":"columns","schema":"s","table":"t","name":"a","type":"varchar(3)","dimensions":1,"notNull":true},` +
		`{"entityType":"pks","schema":"s","table":"t","name":"t_pk","nameExplicit":true},{"entityType":"enums","name":"e","values":["x"]}]}`))
	// Keys missing or of the wrong type; names past 63 bytes.
	f.Add([]byte(`{"version":"7","dialect":"postgresql"}`))
	f.Add([]byte(`{"version":"8","dialect":"postgres","ddl":{"tables":1}}`))
	f.Add([]byte(`{"version":"8","dialect":"postgres","ddl":[{"entityType":"tables","name":"` + strings.Repeat("t", 70) + `"},` +
		`{"entityType":"uniques","table":"` + strings.Repeat("t", 70) + `","name":"u","columns":["` + strings.Repeat("é", 40) + `"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseSnapshot(data)
		if err != nil {
			return
		}
		tables, enums := Names(e)
		live := NewLive(tables, enums)
		if !live.Covers(e) {
			t.Fatal("the names of a snapshot do not cover it")
		}
		// Nothing exists: every table and enum is missing, once.
		if got := len(Compare(e, live)); got != len(e.Tables)+len(e.Enums) {
			t.Fatalf("%d missing, want %d", got, len(e.Tables)+len(e.Enums))
		}
	})
}

// A snapshot without its tables (v7) or ddl (v8), or with them of another
// JSON type, describes nothing: it is unreadable, never an empty schema
// that verifies. The reason is in the file's words, not Go's types.
func TestParseSnapshotMissingOrMistypedKey(t *testing.T) {
	for in, want := range map[string]string{
		`{"version":"7","dialect":"postgresql"}`:                                                     `no "tables" key`,
		`{"version":"7","dialect":"postgresql","enums":{}}`:                                          `no "tables" key`,
		`{"version":"7","dialect":"postgresql","tables":null}`:                                       `"tables" is null, not an object`,
		`{"version":"7","dialect":"postgresql","tables":[]}`:                                         `"tables" is an array, not an object`,
		`{"version":"7","dialect":"postgresql","tables":"x"}`:                                        `"tables" is a string, not an object`,
		`{"version":"8","dialect":"postgres"}`:                                                       `no "ddl" key`,
		`{"version":"8","dialect":"postgres","ddl":{}}`:                                              `"ddl" is an object, not an array`,
		`{"version":"8","dialect":"postgres","ddl":null}`:                                            `"ddl" is null, not an array`,
		`{"version":"7","dialect":"postgresql","tables":{"t":{"columns":[]}}}`:                       `"tables.columns" is an array, not an object (near line 1, column 65)`,
		`{"version":"7","dialect":"postgresql","tables":{},"enums":{"e":{"name":"e","values":"a"}}}`: `"enums.values" is a string, not an array`,
		`{"version":7}`: `"version" is a number, not a string (near line 1, column 13)`,
		`{"version":"8","dialect":"postgres","ddl":[{"entityType":"tables","name":5}]}`: `ddl[0] (tables): "name" is a number, not a string`,
	} {
		_, err := ParseSnapshot([]byte(in))
		if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant …%s…", in, err, want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "{}") {
			t.Errorf("%s: a Go type in the reason: %v", in, err)
		}
	}
	// Through Load, the reason names the file.
	f := Folder{FS: fstest.MapFS{"meta/0003_snapshot.json": {Data: []byte(`{"version":"7","dialect":"postgresql","tables":[]}`)}}}
	_, err := f.Load("0003_x")
	if want := `meta/0003_snapshot.json: unreadable snapshot: "tables" is an array, not an object`; err == nil || err.Error() != want {
		t.Errorf("Load: %v, want %s", err, want)
	}
}
