package drift_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// realmWith inspects a fresh database holding ddl.
func realmWith(t *testing.T, ddl string) *schema.Realm {
	t.Helper()
	db := pgtest.New(t)
	db.Exec(t, ddl)
	r, err := schemastate.Inspect(context.Background(), db.URL)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	return r
}

func keys(objs []drift.Object) map[string]string {
	m := map[string]string{}
	for _, o := range objs {
		m[o.Key] = o.Fingerprint
	}
	return m
}

// unseen counts, on a session of its own, what Atlas does not compare in
// the database at url.
func unseen(t *testing.T, url string) drift.Counts {
	t.Helper()
	ctx := context.Background()
	sc, err := schemastate.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	n, err := drift.Unseen(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Objects agrees with Equal where Atlas ignores a difference: a UNIQUE
// constraint versus a unique index, and the primary key's name.
func TestObjectsAgreeWithEqual(t *testing.T) {
	t.Parallel()
	a := realmWith(t, `CREATE TABLE t (id int CONSTRAINT t_pkey PRIMARY KEY, e text, CONSTRAINT t_e_key UNIQUE (e));`)
	b := realmWith(t, `CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, e text); CREATE UNIQUE INDEX t_e_key ON t (e);`)
	if !schemastate.Equal(a, b) {
		t.Fatal("Atlas now tells these apart: revisit Objects")
	}
	oa, ob := drift.Objects(a), drift.Objects(b)
	if fmt.Sprint(oa) != fmt.Sprint(ob) {
		t.Errorf("Objects differ:\n%v\n%v", oa, ob)
	}
	if fp := keys(oa)["index public.t_e_key"]; fp != `CREATE UNIQUE INDEX "t_e_key" ON "public"."t" ("e")` {
		t.Errorf("unique fingerprint = %q", fp)
	}
}

func TestUnseen(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	db.Exec(t, `
CREATE TABLE t (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY, x int);
CREATE VIEW v AS SELECT id FROM t;
CREATE VIEW v2 AS SELECT x FROM t;
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
CREATE SEQUENCE standalone_seq;
CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE TYPE pair AS (a int, b int);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY pol ON t USING (true);
CREATE EXTENSION pgcrypto;
CREATE SCHEMA drizzle;
CREATE VIEW drizzle.hidden AS SELECT 1 AS one;
CREATE SEQUENCE drizzle.hidden_seq;`)
	want := drift.Counts{Views: 2, MaterializedViews: 1, Functions: 1, Procedures: 1, Triggers: 1,
		Sequences: 1, Extensions: 1, Policies: 1, Domains: 1, CompositeTypes: 1, RLSTables: 1}
	got := unseen(t, db.URL)
	if got != want {
		t.Errorf("Unseen = %+v\nwant     %+v", got, want)
	}
	if s := got.String(); !strings.HasPrefix(s, "not compared: 2 views, 1 materialized view, 1 function, 1 procedure, 1 trigger, 1 standalone sequence, 1 extension") {
		t.Errorf("String() = %q", s)
	}
	emptyDB := pgtest.New(t)
	emptyDB.Exec(t, `CREATE TABLE t (id serial PRIMARY KEY);`)
	empty := unseen(t, emptyDB.URL)
	if empty.Total() != 0 || empty.String() != "" {
		t.Errorf("empty db: %+v %q", empty, empty.String())
	}
}
