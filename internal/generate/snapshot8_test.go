package generate

import (
	"strings"
	"testing"
)

// fkName is drizzle-kit 1.0's default foreign key name, its hash included.
// The expected values come from drizzle-kit 1.0.0-rc.5's own functions
// (the first from testdata/verify/longnames, which it wrote).
func TestFKName(t *testing.T) {
	for _, tc := range []struct {
		table, column, tableTo, columnTo, want string
	}{
		{"tickets", "project_id", "projects", "id", "tickets_project_id_projects_id_fkey"},
		{"customer_subscription_billing_events_history", "plan_identifier_code_for_external_billing",
			"customer_subscription_plans_catalogue", "plan_identifier_code_for_external_billing",
			"customer_subscription_billing_events_history_AhZYCpP5KHmv_fkey"},
		{"a_table_whose_name_is_long_enough_to_pass_45_chars", "owner_id", "owners", "id", "jqJFnsOykBTH_fkey"},
		{"café_орders_with_a_long_name_here", "ключ_владельца_длинный", "владельцы", "id", "café_орders_with_a_long_name_here_oa6kSTzB9UNb_fkey"},
	} {
		if got := fkName(tc.table, []string{tc.column}, tc.tableTo, []string{tc.columnTo}); got != tc.want {
			t.Errorf("fkName(%s.%s -> %s.%s) = %s, want %s", tc.table, tc.column, tc.tableTo, tc.columnTo, got, tc.want)
		}
	}
	for in, want := range map[string]string{"": "000000000000", "a": "00000000001z", "😀x": "000000000z5m"} {
		if got := kitHash(in); got != want {
			t.Errorf("kitHash(%q) = %s, want %s", in, got, want)
		}
	}
}

// A new constraint or index of a version-8 snapshot says nameExplicit as
// drizzle-kit 1.0 writes it: false for the name drizzle 1.0 gives an
// unnamed one (..._fkey, ..._key, ..._pkey, ..._index), as its generate
// writes it from TypeScript, and for drizzle-kit 0.x's (..._fk, ..._pk,
// ..._unique), as its up writes them; true for any other.
func TestConvertToV8NameExplicit(t *testing.T) {
	long := "t_" + strings.Repeat("c", 70) // PostgreSQL cuts index names to 63 bytes
	v7 := `{"tables": {"public.t": {"name": "t", "schema": "", "columns": {},
	  "compositePrimaryKeys": {"t_pkey": {"name": "t_pkey", "columns": ["a", "b"]}},
	  "uniqueConstraints": {
	    "t_a_key": {"name": "t_a_key", "columns": ["a"]},
	    "t_a_b_unique": {"name": "t_a_b_unique", "columns": ["a", "b"]},
	    "t_a_b_key": {"name": "t_a_b_key", "columns": ["a", "b"]},
	    "t_b_named": {"name": "t_b_named", "columns": ["b"]}},
	  "indexes": {
	    "t_a_index": {"name": "t_a_index", "columns": [{"expression": "a", "isExpression": false, "asc": true, "nulls": "last"}]},
	    "t_by_a": {"name": "t_by_a", "columns": [{"expression": "a", "isExpression": false, "asc": true, "nulls": "last"}]},
	    "long": {"name": "` + long[:63] + `", "columns": [{"expression": "` + strings.Repeat("c", 70) + `", "isExpression": false, "asc": true, "nulls": "last"}]}},
	  "foreignKeys": {
	    "t_a_u_id_fkey": {"name": "t_a_u_id_fkey", "tableFrom": "t", "tableTo": "u", "columnsFrom": ["a"], "columnsTo": ["id"]},
	    "t_b_u_id_fk": {"name": "t_b_u_id_fk", "tableFrom": "t", "tableTo": "u", "columnsFrom": ["b"], "columnsTo": ["id"]},
	    "t_c_owner": {"name": "t_c_owner", "tableFrom": "t", "tableTo": "u", "columnsFrom": ["c"], "columnsTo": ["id"]}}},
	  "public.u": {"name": "u", "schema": "", "columns": {},
	    "compositePrimaryKeys": {"u_a_b_pk": {"name": "u_a_b_pk", "columns": ["a", "b"]}}},
	  "public.v": {"name": "v", "schema": "", "columns": {},
	    "compositePrimaryKeys": {"v_key": {"name": "v_key", "columns": ["a", "b"]}}}}}`
	ddl, err := convertToV8([]byte(v7))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"pks t_pkey": false, "pks u_a_b_pk": false, "pks v_key": true,
		"uniques t_a_key": false, "uniques t_a_b_unique": false, "uniques t_a_b_key": true, "uniques t_b_named": true,
		"indexes t_a_index": false, "indexes t_by_a": true, "indexes " + long[:63]: false,
		"fks t_a_u_id_fkey": false, "fks t_b_u_id_fk": false, "fks t_c_owner": true,
	}
	got := map[string]bool{}
	for _, e := range ddl {
		if explicit, ok := e["nameExplicit"].(bool); ok {
			got[e["entityType"].(string)+" "+e["name"].(string)] = explicit
		}
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: nameExplicit %v (present %v), want %v", k, g, ok, w)
		}
	}
}

// pgChosenName is the name PostgreSQL 15 gave these constraints when the
// DDL left them unnamed (read back from pg_constraint).
func TestPGChosenName(t *testing.T) {
	for _, tc := range []struct{ name1, name2, label, want string }{
		{"t", "email", "key", "t_email_key"},
		{"a_table_name_that_is_quite_long_enough_to_exceed_limits_x1", "some_rather_long_column_name_here", "key",
			"a_table_name_that_is_quite_lo_some_rather_long_column_name__key"},
		{"another_table_whose_name_is_long_enough_to_shorten_its_pkey_x", "", "pkey",
			"another_table_whose_name_is_long_enough_to_shorten_its_pke_pkey"},
		{"таблица_с_очень_длинным_именем_xyz", "колонка_тоже_длинная_очень", "key", "таблица_с_очень__колонка_тоже_дл_key"},
		{"таблица_с_очень_длинным_именем_xyz", "", "pkey", "таблица_с_очень_длинным_именем_x_pkey"},
	} {
		if got := pgChosenName(tc.name1, tc.name2, tc.label); got != tc.want {
			t.Errorf("pgChosenName(%s, %s, %s) = %s, want %s", tc.name1, tc.name2, tc.label, got, tc.want)
		}
	}
}
