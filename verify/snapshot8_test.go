package verify

import (
	"errors"
	"os"
	"slices"
	"testing"
)

// v4Snapshot is drizzle-kit 1.0's own snapshot of testdata/drizzle1's
// newest migration.
const v4Snapshot = "../testdata/drizzle1/migrations/20261130094853_v4/snapshot.json"

func TestParseSnapshot8(t *testing.T) {
	data, err := os.ReadFile(v4Snapshot)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range e.Tables {
		names = append(names, tb.Schema+"."+tb.Name)
	}
	if !slices.Equal(names, []string{"public.comments", "public.labels", "public.projects", "public.tickets"}) {
		t.Fatalf("tables %v", names)
	}
	if len(e.Enums) != 1 || e.Enums[0].Name != "ticket_status" || !slices.Equal(e.Enums[0].Labels, []string{"open", "closed"}) {
		t.Errorf("enums %+v", e.Enums)
	}
	labels := e.Tables[1]
	want := Table{Schema: "public", Name: "labels", PrimaryKey: true,
		Columns:     []Column{{"color", true, "text"}, {"id", true, "integer"}, {"name", true, "text"}, {"project_id", true, "integer"}},
		Indexes:     []string{"labels_project_name_key"},
		Constraints: []Constraint{{Kind: KindCheck, Name: "labels_name_not_empty"}, {Kind: KindForeignKey, Name: "labels_project_id_projects_id_fkey"}}}
	if !tableEqual(labels, want) {
		t.Errorf("labels\n got %+v\nwant %+v", labels, want)
	}
	tickets := e.Tables[3]
	for _, c := range tickets.Columns {
		if c.Name == "status" && c.Type != "" {
			t.Errorf("an enum column's type is compared: %q", c.Type)
		}
		if c.Name == "meta" && (c.Type != "jsonb" || !c.NotNull) {
			t.Errorf("meta: %+v", c)
		}
	}
}

func tableEqual(a, b Table) bool {
	return a.Schema == b.Schema && a.Name == b.Name && a.PrimaryKey == b.PrimaryKey &&
		slices.Equal(a.Columns, b.Columns) && slices.Equal(a.Indexes, b.Indexes) && slices.Equal(a.Constraints, b.Constraints)
}

// The version-8 entities a 0.x snapshot's objects become (drizzle-kit up,
// generate's conversion): explicit primary key names, unique constraints,
// array dimensions, typed columns.
func TestParseSnapshot8Entities(t *testing.T) {
	in := `{"version":"8","dialect":"postgres","id":"x","prevIds":[],"ddl":[
{"entityType":"schemas","name":"app"},
{"entityType":"tables","schema":"app","name":"t","isRlsEnabled":false},
{"entityType":"tables","schema":"public","name":"u","isRlsEnabled":false},
{"entityType":"columns","schema":"app","table":"t","name":"a","type":"varchar(20)","typeSchema":null,"notNull":false,"dimensions":1},
{"entityType":"columns","schema":"app","table":"t","name":"b","type":"numeric(10,2)","typeSchema":null,"notNull":true,"dimensions":0},
{"entityType":"columns","schema":"app","table":"t","name":"c","type":"timestamp(3) with time zone","notNull":true,"dimensions":0},
{"entityType":"columns","schema":"app","table":"t","name":"d","type":"text","notNull":false,"dimensions":2},
{"entityType":"columns","schema":"app","table":"t","name":"e","type":"mood","typeSchema":"app","notNull":false,"dimensions":0},
{"entityType":"pks","schema":"app","table":"t","name":"t_a_b_pk","columns":["a","b"],"nameExplicit":true},
{"entityType":"pks","schema":"public","table":"u","name":"u_pkey","columns":["id"],"nameExplicit":false},
{"entityType":"uniques","schema":"app","table":"t","name":"t_c_unique","columns":["c"],"nameExplicit":false,"nullsNotDistinct":false},
{"entityType":"sequences","schema":"app","name":"s","incrementBy":"1"},
{"entityType":"policies","schema":"app","table":"t","name":"p","as":"PERMISSIVE","for":"ALL","roles":["public"]},
{"entityType":"enums","schema":"app","name":"mood","values":["ok","sad"]}],"renames":[]}`
	e, err := ParseSnapshot([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Table{
		{Schema: "app", Name: "t",
			Columns: []Column{{"a", false, "character varying(20)[]"}, {"b", true, "numeric(10,2)"},
				{"c", true, "timestamp(3) with time zone"}, {"d", false, ""}, {"e", false, ""}},
			Constraints: []Constraint{{Kind: KindPrimaryKey, Name: "t_a_b_pk"}, {Kind: KindUnique, Name: "t_c_unique", Alt: "t_c_key"}}}, // drizzle-kit writes a bare UNIQUE: PostgreSQL names it t_c_key
		{Schema: "public", Name: "u", PrimaryKey: true},
	}
	if len(e.Tables) != 2 || !tableEqual(e.Tables[0], want[0]) || !tableEqual(e.Tables[1], want[1]) {
		t.Errorf("tables\n got %+v\nwant %+v", e.Tables, want)
	}
	if len(e.Enums) != 1 || e.Enums[0].Schema != "app" || !slices.Equal(e.Enums[0].Labels, []string{"ok", "sad"}) {
		t.Errorf("enums %+v", e.Enums)
	}
}

func TestParseSnapshot8Refuses(t *testing.T) {
	for name, in := range map[string]string{
		"not json":          `{"version":"8",`,
		"0.x dialect":       `{"version":"8","dialect":"postgresql","ddl":[]}`,
		"mysql":             `{"version":"8","dialect":"mysql","ddl":[]}`,
		"ddl not a list":    `{"version":"8","dialect":"postgres","ddl":{}}`,
		"no entityType":     `{"version":"8","dialect":"postgres","ddl":[{"name":"t"}]}`,
		"entity not object": `{"version":"8","dialect":"postgres","ddl":[1]}`,
		"unnamed table":     `{"version":"8","dialect":"postgres","ddl":[{"entityType":"tables","schema":"public"}]}`,
		"undeclared table":  `{"version":"8","dialect":"postgres","ddl":[{"entityType":"columns","schema":"public","table":"t","name":"a","type":"text"}]}`,
		"bad dimensions":    `{"version":"8","dialect":"postgres","ddl":[{"entityType":"tables","name":"t"},{"entityType":"columns","table":"t","name":"a","dimensions":"1"}]}`,
		"negative dims":     `{"version":"8","dialect":"postgres","ddl":[{"entityType":"tables","name":"t"},{"entityType":"columns","table":"t","name":"a","dimensions":-1}]}`,
		"labels not a list": `{"version":"8","dialect":"postgres","ddl":[{"entityType":"enums","name":"e","values":"a"}]}`,
	} {
		if _, err := ParseSnapshot([]byte(in)); !errors.Is(err, ErrBadSnapshot) && !errors.Is(err, ErrSnapshotVersion) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
