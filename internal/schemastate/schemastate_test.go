package schemastate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"ariga.io/atlas/sql/schema"
	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// dbWith returns a fresh database holding ddl.
func dbWith(t *testing.T, ddl string) *pgtest.DB {
	t.Helper()
	db := pgtest.New(t)
	if ddl != "" {
		db.Exec(t, ddl)
	}
	return db
}

func inspect(t *testing.T, url string) *schema.Realm {
	t.Helper()
	r, err := schemastate.Inspect(context.Background(), url)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	return r
}

func realmWith(t *testing.T, ddl string) *schema.Realm {
	t.Helper()
	return inspect(t, dbWith(t, ddl).URL)
}

func keys(objs []drift.Object) map[string]string {
	m := map[string]string{}
	for _, o := range objs {
		m[o.Key] = o.Fingerprint
	}
	return m
}

func TestInspectExcludesDrizzle(t *testing.T) {
	t.Parallel()
	r := realmWith(t, `
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
CREATE SCHEMA app;
CREATE TABLE app.things (id int PRIMARY KEY);
CREATE TABLE contacts (id int PRIMARY KEY, email text);`)
	var names []string
	for _, s := range r.Schemas {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "app,public" {
		t.Errorf("schemas = %s, want app,public", got)
	}
	objs := keys(drift.Objects(r))
	for _, want := range []string{"table public.contacts", "column public.contacts.email", "table app.things", "primary key app.things"} {
		if _, ok := objs[want]; !ok {
			t.Errorf("Objects lacks %q", want)
		}
	}
	for k := range objs {
		if strings.Contains(k, "drizzle") {
			t.Errorf("Objects holds ledger object %q", k)
		}
	}
}

func TestInspectEmptyDatabaseWithoutPublic(t *testing.T) {
	t.Parallel()
	r := realmWith(t, `DROP SCHEMA public; CREATE SCHEMA drizzle; CREATE TABLE drizzle.t (id int);`)
	if len(r.Schemas) != 0 {
		t.Errorf("got %d schemas, want none", len(r.Schemas))
	}
}

const baseDDL = `
CREATE TYPE send_status AS ENUM ('queued', 'sent');
CREATE TABLE contacts (
  id int PRIMARY KEY,
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  CONSTRAINT contacts_email_key UNIQUE (email)
);
CREATE TABLE sends (
  id int PRIMARY KEY,
  contact_id int NOT NULL CONSTRAINT sends_contact_fk REFERENCES contacts(id),
  status send_status NOT NULL DEFAULT 'queued'
);
CREATE INDEX sends_contact_idx ON sends (contact_id);`

// changeKinds flattens a diff into change type names, table changes
// included, e.g. "AddTable", "ModifyTable/AddColumn".
func changeKinds(changes []schema.Change) []string {
	name := func(v any) string { return strings.TrimPrefix(fmt.Sprintf("%T", v), "*schema.") }
	var out []string
	for _, c := range changes {
		if mt, ok := c.(*schema.ModifyTable); ok {
			for _, tc := range mt.Changes {
				out = append(out, name(c)+"/"+name(tc))
			}
			continue
		}
		out = append(out, name(c))
	}
	return out
}

func TestDiffDetects(t *testing.T) {
	t.Parallel()
	base := realmWith(t, baseDDL)
	for _, tc := range []struct {
		name, extra string
		want        string // one of the change kinds
		object      string // an Objects key present only in the changed realm
	}{
		{"table", `CREATE TABLE tickets (id int PRIMARY KEY);`, "AddTable", "table public.tickets"},
		{"column", `ALTER TABLE contacts ADD COLUMN name text;`, "ModifyTable/AddColumn", "column public.contacts.name"},
		{"index", `CREATE INDEX contacts_created_idx ON contacts (created_at) WHERE attempts > 0;`, "ModifyTable/AddIndex", "index public.contacts_created_idx"},
		{"check", `ALTER TABLE sends ADD CONSTRAINT sends_id_check CHECK (id > 0);`, "ModifyTable/AddCheck", "check public.sends.sends_id_check"},
		{"enum value", `ALTER TYPE send_status ADD VALUE 'bounced';`, "ModifyObject", "enum value public.send_status.bounced"},
		{"fk", `ALTER TABLE contacts ADD CONSTRAINT contacts_self_fk FOREIGN KEY (attempts) REFERENCES contacts(id);`, "ModifyTable/AddForeignKey", "fk public.contacts.contacts_self_fk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := realmWith(t, baseDDL+tc.extra)
			changes, err := schemastate.Diff(base, changed)
			if err != nil {
				t.Fatal(err)
			}
			kinds := changeKinds(changes)
			if len(kinds) != 1 || kinds[0] != tc.want {
				t.Errorf("changes = %v, want [%s]", kinds, tc.want)
			}
			if schemastate.Equal(base, changed) {
				t.Error("Equal reports no difference")
			}
			if _, ok := keys(drift.Objects(base))[tc.object]; ok {
				t.Errorf("base already has %q", tc.object)
			}
			if _, ok := keys(drift.Objects(changed))[tc.object]; !ok {
				t.Errorf("Objects of changed realm lacks %q", tc.object)
			}
		})
	}
}

func TestDiffIgnoresColumnOrderAndDefaultSpelling(t *testing.T) {
	t.Parallel()
	a := realmWith(t, `CREATE TABLE t (id int PRIMARY KEY, name text, at timestamptz DEFAULT now(), d date DEFAULT CURRENT_DATE);`)
	b := realmWith(t, `CREATE TABLE t (at timestamptz DEFAULT CURRENT_TIMESTAMP, name text, d date DEFAULT ('now'::text)::date, id int PRIMARY KEY);`)
	if changes, err := schemastate.Diff(a, b); err != nil || len(changes) != 0 {
		t.Errorf("Diff = %v (%v), want no changes", changeKinds(changes), err)
	}
	if !schemastate.Equal(a, b) || !schemastate.Equal(b, a) {
		t.Error("Equal = false for column order / default spelling")
	}
	oa, ob := drift.Objects(a), drift.Objects(b)
	if len(oa) != len(ob) {
		t.Fatalf("Objects: %d vs %d", len(oa), len(ob))
	}
	for i := range oa {
		if oa[i] != ob[i] {
			t.Errorf("object %d: %+v vs %+v", i, oa[i], ob[i])
		}
	}
	// A real default change is still a change, in Diff and fingerprint.
	c := realmWith(t, `CREATE TABLE t (id int PRIMARY KEY, name text, at timestamptz DEFAULT '2020-01-01', d date DEFAULT CURRENT_DATE);`)
	if schemastate.Equal(a, c) {
		t.Error("Equal ignores a real default change")
	}
	if ka, kc := keys(oa)["column public.t.at"], keys(drift.Objects(c))["column public.t.at"]; ka == kc || ka == "" {
		t.Errorf("fingerprints %q and %q should differ", ka, kc)
	}
	if got := keys(oa)["column public.t.at"]; got != `"at" timestamptz NULL DEFAULT now()` {
		t.Errorf("column fingerprint = %q", got)
	}
}

func TestPlanBringsAToB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbA := dbWith(t, baseDDL)
	b := realmWith(t, baseDDL+`
ALTER TYPE send_status ADD VALUE 'bounced';
CREATE TABLE tickets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, contact_id int REFERENCES contacts(id) ON DELETE CASCADE, body text NOT NULL DEFAULT '');
ALTER TABLE contacts ADD COLUMN name text, ADD CONSTRAINT contacts_name_check CHECK (name <> '');
CREATE UNIQUE INDEX contacts_lower_email_idx ON contacts (lower(email));
DROP INDEX sends_contact_idx;`)
	conn, err := schemastate.Connect(ctx, dbA.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	a, err := conn.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := schemastate.Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := schemastate.Plan(ctx, conn, changes)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) == 0 {
		t.Fatal("empty plan")
	}
	// The connection-less planner gives the same SQL.
	stmts2, err := schemastate.Plan(ctx, nil, changes)
	if err != nil || strings.Join(stmts, ";") != strings.Join(stmts2, ";") {
		t.Errorf("Plan(nil) = %q (%v), want %q", stmts2, err, stmts)
	}
	for _, s := range stmts {
		dbA.Exec(t, s)
	}
	after, err := conn.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rest, err := schemastate.Diff(after, b); err != nil || len(rest) != 0 {
		t.Errorf("after applying %q: remaining %v (%v)", stmts, changeKinds(rest), err)
	}
}

func scratchDB(t *testing.T) *scratch.DB {
	t.Helper()
	ctx := context.Background()
	pg := pgtest.New(t)
	srv, err := scratch.Open(ctx, pg.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	db, err := srv.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestReplayEngineWithInspection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	j, err := journal.Open(engine.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	steps := schemastate.StepsFromJournal("engine", j)
	if steps[0].Name != "engine/"+j.Migrations[0].Tag {
		t.Errorf("step name %q", steps[0].Name)
	}
	db := scratchDB(t)
	var (
		calls      []int
		tables     []int
		introduced [][]drift.Object
		last       *schema.Realm
		spent      time.Duration
	)
	start := time.Now()
	err = schemastate.Replay(ctx, db, steps, true, func(i int, r *schema.Realm) error {
		calls = append(calls, i)
		n := 0
		for _, s := range r.Schemas {
			n += len(s.Tables)
		}
		tables = append(tables, n)
		objs := drift.Objects(r)
		introduced = append(introduced, introducedBy(drift.Objects(last), objs))
		last = r
		return nil
	})
	spent = time.Since(start)
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if len(calls) != len(steps) {
		t.Fatalf("onStep called %d times for %d steps", len(calls), len(steps))
	}
	for i := range calls {
		if calls[i] != i {
			t.Errorf("call %d got index %d", i, calls[i])
		}
		if i > 0 && tables[i] < tables[i-1] {
			t.Errorf("tables went from %d to %d at step %d", tables[i-1], tables[i], i)
		}
	}
	if introduced[3] == nil || introduced[5] == nil {
		t.Fatal("no objects recorded")
	}
	// 0003 adds columns; 0005 adds an enum value, which also changes the enum.
	if got := fmt.Sprint(keyList(introduced[5])); got != "[enum public.send_status enum value public.send_status.bounced]" {
		t.Errorf("objects introduced by 0005 = %s", got)
	}
	for _, o := range introduced[3] {
		if o.Kind != drift.KindColumn {
			t.Errorf("0003 introduced %s", o.Key)
		}
	}
	if tables[0] == 0 {
		t.Error("no tables after the first migration")
	}
	if _, ok := keys(drift.Objects(last))["enum value public.send_status.bounced"]; !ok {
		t.Error("final realm lacks send_status.bounced")
	}
	// The replayed state equals the engine's desired schema.
	want := realmWith(t, engine.DesiredSchema())
	if changes, err := schemastate.Diff(last, want); err != nil || len(changes) != 0 {
		stmts, _ := schemastate.Plan(ctx, nil, changes)
		t.Errorf("replayed engine differs from schema.sql: %q (%v)", stmts, err)
	}
	t.Logf("replayed %d steps with inspection in %v; final realm: %d tables", len(steps), spent, tables[len(tables)-1])

	// A callback error stops the replay.
	stop := errors.New("stop")
	n := 0
	err = schemastate.Replay(ctx, scratchDB(t), steps, false, func(i int, r *schema.Realm) error {
		n++
		if r != nil {
			t.Error("realm given without inspectEach")
		}
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Replay with failing onStep: err=%v after %d calls", err, n)
	}
}

// introducedBy lists the objects of after that before lacks or defines
// differently: what one replayed step brought.
func introducedBy(before, after []drift.Object) []drift.Object {
	had := make(map[string]string, len(before))
	for _, o := range before {
		had[o.Key] = o.Fingerprint
	}
	var out []drift.Object
	for _, o := range after {
		if fp, ok := had[o.Key]; !ok || fp != o.Fingerprint {
			out = append(out, o)
		}
	}
	return out
}

func keyList(objs []drift.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

// OnNotice sees the notices of the statement that raised them, and an
// error from it fails the step there, rolled back like a failed statement.
func TestReplayOnNotice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := scratchDB(t)
	var seen []string
	skipped := errors.New("skipped")
	steps := []schemastate.Step{
		{Name: "one", Statements: []string{"CREATE TABLE a (id int);"}},
		{Name: "two", Statements: []string{"CREATE TABLE b (id int);", "CREATE TABLE IF NOT EXISTS a (x text);", "CREATE TABLE c (id int);"},
			OnNotice: func(n *pgconn.Notice) error {
				seen = append(seen, n.Code)
				if n.Code == "42P07" {
					return skipped
				}
				return nil
			}},
	}
	err := schemastate.Replay(ctx, db, steps, false, nil)
	var se *schemastate.StepError
	if !errors.As(err, &se) || !errors.Is(err, skipped) || se.Step != "two" || se.Statement != 2 {
		t.Fatalf("err = %v, want the OnNotice error at two, statement 2", err)
	}
	if len(seen) != 1 || seen[0] != "42P07" {
		t.Errorf("notices seen: %v", seen)
	}
	got := keys(drift.Objects(inspect(t, db.URL)))
	if _, ok := got["table public.b"]; ok {
		t.Error("the failed step was not rolled back")
	}
	if _, ok := got["table public.a"]; !ok {
		t.Error("the first step is missing")
	}
}

func TestReplayErrorNamesStepAndRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := scratchDB(t)
	steps := []schemastate.Step{
		{Name: "client/0000_ok", Statements: []string{"CREATE TABLE a (id int);"}},
		{Name: "client/0001_bad", Statements: []string{"CREATE TABLE b (id int);", "\n", "SELECT 1;\nSELEC nope;"}},
	}
	err := schemastate.Replay(ctx, db, steps, false, nil)
	var se *schemastate.StepError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *StepError", err)
	}
	if se.Step != "client/0001_bad" || se.Statement != 3 {
		t.Errorf("StepError at %s statement %d, want client/0001_bad statement 3", se.Step, se.Statement)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42601" {
		t.Errorf("want syntax error PgError, got %v", err)
	}
	if se.Position != 11 || se.Line != 2 || se.Col != 1 {
		t.Errorf("position %d line %d col %d, want 11, 2, 1", se.Position, se.Line, se.Col)
	}
	// The message counts from 1, as migrate's errors do: the third statement.
	for _, want := range []string{"client/0001_bad", "statement 3 (line 2, col 1)", "syntax error"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	r := inspect(t, db.URL)
	got := keys(drift.Objects(r))
	if _, ok := got["table public.a"]; !ok {
		t.Error("committed step 0 missing")
	}
	if _, ok := got["table public.b"]; ok {
		t.Error("failed step 1 not rolled back")
	}

	// With the migration file attached, the error points into the file.
	fsys := fstest.MapFS{
		"meta/_journal.json": {Data: []byte(`{"version":"7","dialect":"postgresql","entries":[{"idx":0,"version":"7","when":1,"tag":"0000_x","breakpoints":true}]}`)},
		"0000_x.sql":         {Data: []byte("CREATE TABLE c (id int);\n--> statement-breakpoint\nCREATE TABLE d (\n  id int,\n  x nosuchtype\n);")},
	}
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	err = schemastate.Replay(ctx, scratchDB(t), schemastate.StepsFromJournal("client", j), false, nil)
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *StepError", err)
	}
	if se.File != "0000_x.sql" || se.Line != 5 || se.Col != 5 {
		t.Errorf("error at %s:%d:%d, want 0000_x.sql:5:5 (%v)", se.File, se.Line, se.Col, err)
	}
}

func TestReplayNoTransaction(t *testing.T) {
	t.Parallel()
	db := scratchDB(t)
	steps := []schemastate.Step{
		{Name: "t/0", Statements: []string{"CREATE TABLE a (id int);"}},
		{Name: "t/1", NoTransaction: true, Statements: []string{"CREATE INDEX CONCURRENTLY a_id_idx ON a (id);"}},
	}
	if err := schemastate.Replay(context.Background(), db, steps, true, nil); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if _, ok := keys(drift.Objects(inspect(t, db.URL)))["index public.a_id_idx"]; !ok {
		t.Error("concurrent index missing")
	}
	// The same statement inside a transaction fails: NoTransaction matters.
	steps[1].NoTransaction = false
	if err := schemastate.Replay(context.Background(), scratchDB(t), steps, false, nil); err == nil {
		t.Error("CREATE INDEX CONCURRENTLY succeeded inside a transaction")
	}
}

func TestConnectErrorHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := schemastate.Connect(context.Background(), "postgres://postgres:Sup3rSecret@127.0.0.1:5432/hogsend_no_such_db")
	if err == nil {
		t.Fatal("connected to a missing database")
	}
	if strings.Contains(err.Error(), "Sup3rSecret") {
		t.Errorf("error shows the password: %v", err)
	}
}

// Inside InSnapshot every inspection sees the database as it was at the
// first query, whatever commits meanwhile; after it, the change shows.
func TestInSnapshot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	db.Exec(t, "CREATE TABLE a (id int)")
	c, err := schemastate.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tables := func() []string {
		r, err := c.Inspect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range r.Schemas {
			for _, tb := range s.Tables {
				names = append(names, tb.Name)
			}
		}
		return names
	}
	err = c.InSnapshot(ctx, func() error {
		if got := tables(); !slices.Equal(got, []string{"a"}) {
			t.Errorf("first inspection: %v", got)
		}
		db.Exec(t, "CREATE TABLE b (id int); ALTER TABLE a ADD COLUMN x int; CREATE INDEX a_x_idx ON a (x)")
		if got := tables(); !slices.Equal(got, []string{"a"}) {
			t.Errorf("inside the snapshot a later commit shows: %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tables(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("after the snapshot: %v", got)
	}
}

// Replays (lint, drift) read strings as the runner does, whatever the
// database's default.
func TestConnectPinsStandardConformingStrings(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	db.Exec(t, `ALTER DATABASE "`+db.Name+`" SET standard_conforming_strings = off`)
	conn, err := schemastate.Connect(context.Background(), db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var v string
	if err := conn.QueryRow(context.Background(), "select current_setting('standard_conforming_strings')").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "on" {
		t.Fatalf("standard_conforming_strings = %q, want on", v)
	}
}
