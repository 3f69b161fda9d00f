package tracks_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// jm builds a journal of tag@when entries whose hashes are "h"+tag.
func jm(entries ...any) *journal.Journal {
	j := &journal.Journal{Version: "7", Dialect: "postgresql"}
	for i := 0; i < len(entries); i += 2 {
		tag := entries[i].(string)
		j.Migrations = append(j.Migrations, &journal.Migration{
			Entry: journal.Entry{Idx: i / 2, Version: "7", When: int64(entries[i+1].(int)), Tag: tag, Breakpoints: true},
			File:  tag + ".sql", Hash: "h" + tag,
		})
	}
	return j
}

func row(id int64, hash string, at int64) ledger.Row {
	return ledger.Row{ID: id, Hash: hash, CreatedAt: at}
}

func nullRow(id int64, hash string) ledger.Row {
	return ledger.Row{ID: id, Hash: hash, NullCreatedAt: true}
}

// view is the comparable part of a State.
type view struct {
	Applied, Required string // "" for null
	InSync            bool
	Pending           []string
	OutOfOrder        []string
	Modified          []string
	Ahead             []int64 // row ids
	Unknown           []int64
	NullCreatedAt     []int64
	NotIncreasing     []string
	Problems          bool
}

func viewOf(s tracks.State) view {
	ids := func(rs []tracks.RowRef) []int64 {
		out := []int64{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return view{Applied: deref(s.Applied), Required: deref(s.Required), InSync: s.InSync, Pending: s.Pending,
		OutOfOrder: s.OutOfOrder, Modified: s.Modified, Ahead: ids(s.Ahead), Unknown: ids(s.Unknown),
		NullCreatedAt: ids(s.NullCreatedAt), NotIncreasing: s.NotIncreasing, Problems: s.Problems()}
}

func TestMatch(t *testing.T) {
	abc := jm("a", 100, "b", 200, "c", 300)
	none := []string{}
	noIDs := []int64{}
	for _, tc := range []struct {
		name string
		j    *journal.Journal
		rows []ledger.Row
		want view
	}{
		{"empty database", abc, nil,
			view{"", "c", false, []string{"a", "b", "c"}, none, none, noIDs, noIDs, noIDs, none, false}},
		{"in sync", abc, []ledger.Row{row(1, "ha", 100), row(2, "hb", 200), row(3, "hc", 300)},
			view{"c", "c", true, none, none, none, noIDs, noIDs, noIDs, none, false}},
		{"behind", abc, []ledger.Row{row(1, "ha", 100)},
			view{"a", "c", false, []string{"b", "c"}, none, none, noIDs, noIDs, noIDs, none, false}},
		{"ahead", abc, []ledger.Row{row(1, "ha", 100), row(2, "hb", 200), row(3, "hc", 300), row(4, "hd", 400)},
			view{"c", "c", true, none, none, none, []int64{4}, noIDs, noIDs, none, false}},
		{"ahead and behind", abc, []ledger.Row{row(1, "ha", 100), row(4, "hd", 400)},
			view{"a", "c", false, []string{"b", "c"}, []string{"b", "c"}, none, []int64{4}, noIDs, noIDs, none, true}},
		{"out of order", abc, []ledger.Row{row(1, "ha", 100), row(2, "hc", 300)},
			view{"c", "c", false, []string{"b"}, []string{"b"}, none, noIDs, noIDs, noIDs, none, true}},
		{"modified", abc, []ledger.Row{row(1, "hX", 100), row(2, "hb", 200), row(3, "hc", 300)},
			view{"c", "c", true, none, none, []string{"a"}, noIDs, noIDs, noIDs, none, true}},
		{"unknown", abc, []ledger.Row{row(1, "ha", 100), row(2, "hz", 150), row(3, "hb", 200), row(4, "hc", 300)},
			view{"c", "c", true, none, none, none, noIDs, []int64{2}, noIDs, none, true}},
		{"unknown before the first entry", abc, []ledger.Row{row(1, "hz", 50), row(2, "ha", 100)},
			view{"a", "c", false, []string{"b", "c"}, none, none, noIDs, []int64{1}, noIDs, none, true}},
		{"null created_at", abc, []ledger.Row{nullRow(1, "ha"), row(2, "ha", 100)},
			view{"a", "c", false, []string{"b", "c"}, none, none, noIDs, noIDs, []int64{1}, none, true}},
		{"only null created_at", abc, []ledger.Row{nullRow(1, "hz")},
			view{"", "c", false, []string{"a", "b", "c"}, none, none, noIDs, noIDs, []int64{1}, none, true}},
		{"empty journal with rows", jm(), []ledger.Row{row(1, "ha", 100), row(2, "hb", 200)},
			view{"", "", true, none, none, none, []int64{1, 2}, noIDs, noIDs, none, true}},
		{"empty journal, no rows", jm(), nil,
			view{"", "", true, none, none, none, noIDs, noIDs, noIDs, none, false}},
		{"duplicate created_at, matching hash second", abc, []ledger.Row{row(1, "hX", 100), row(2, "ha", 100), row(3, "hb", 200), row(4, "hc", 300)},
			view{"c", "c", true, none, none, none, noIDs, []int64{1}, noIDs, none, true}},
		{"duplicate created_at, matching hash first", abc, []ledger.Row{row(1, "ha", 100), row(2, "hX", 100), row(3, "hb", 200), row(4, "hc", 300)},
			view{"c", "c", true, none, none, none, noIDs, []int64{2}, noIDs, none, true}},
		{"duplicate created_at, no hash matches", abc, []ledger.Row{row(1, "hX", 100), row(2, "hY", 100), row(3, "hb", 200), row(4, "hc", 300)},
			view{"c", "c", true, none, none, []string{"a"}, noIDs, []int64{2}, noIDs, none, true}},
		// The second row is a duplicate of a's (TestMatchDuplicate), not unknown.
		{"the same row twice", abc, []ledger.Row{row(1, "ha", 100), row(2, "ha", 100)},
			view{"a", "c", false, []string{"b", "c"}, none, none, noIDs, noIDs, noIDs, none, true}},
		{"not increasing", jm("a", 100, "b", 50, "c", 300), []ledger.Row{row(1, "ha", 100)},
			view{"a", "c", false, []string{"b", "c"}, []string{"b"}, none, noIDs, noIDs, noIDs, []string{"b"}, true}},
		{"not increasing, all applied", jm("a", 100, "b", 50), []ledger.Row{row(1, "ha", 100), row(2, "hb", 50)},
			view{"b", "b", true, none, none, none, noIDs, noIDs, noIDs, []string{"b"}, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := ledger.Ledger{Table: ledger.ClientTable, Exists: tc.rows != nil, Rows: tc.rows}
			s := tracks.Match(tc.j, l)
			if got := viewOf(s); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Match:\n got %+v\nwant %+v", got, tc.want)
			}
			var pendingTags []string
			for _, m := range s.PendingMigrations() {
				pendingTags = append(pendingTags, m.Tag)
			}
			if !slices.Equal(pendingTags, s.Pending) {
				t.Errorf("PendingMigrations() = %v, Pending = %v", pendingTags, s.Pending)
			}
			if s.LedgerExists != l.Exists || s.Ledger != "drizzle.__client_migrations" {
				t.Errorf("Ledger = %q, LedgerExists = %v", s.Ledger, s.LedgerExists)
			}
		})
	}
}

// The JSON field names are a contract (status --json, GET /v1/health), and
// empty lists are [] rather than null.
func TestStateJSON(t *testing.T) {
	s := tracks.Match(jm("a", 100, "b", 200), ledger.Ledger{Table: ledger.EngineTable, Exists: true,
		Rows: []ledger.Row{row(1, "ha", 100), nullRow(2, "hn")}})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"applied": "a", "required": "b", "inSync": false, "pending": []any{"b"},
		"ledger": "drizzle.__drizzle_migrations", "ledgerExists": true,
		"verdict": "pending", "rows": 2.0, "matched": 1.0,
		"outOfOrder": []any{}, "modified": []any{}, "ahead": []any{}, "unknown": []any{},
		"nullCreatedAt": []any{map[string]any{"id": 2.0, "hash": "hn", "createdAt": nil}}, "notIncreasing": []any{}, "invalidIndexes": []any{},
		"appliedOutOfOrder": []any{}, "nullName": []any{}, "layout": "0.x", "ledgerVersion": 0.0, "duplicate": []any{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON:\n got %s\nwant %v", b, want)
	}
	empty, _ := json.Marshal(tracks.Match(jm(), ledger.Ledger{Table: ledger.ClientTable}))
	if want := `{"applied":null,"required":null,"inSync":true,"pending":[],`; string(empty[:len(want)]) != want {
		t.Errorf("empty track JSON = %s", empty)
	}
}

func TestDegraded(t *testing.T) {
	l := tracks.Loaded{Track: tracks.Track{Name: tracks.Engine, Ledger: ledger.EngineTable}, Journal: jm("a", 1)}
	r := tracks.Degraded([]tracks.Loaded{l}, "connection refused")
	s := r.Track(tracks.Engine)
	if r.Status != tracks.StatusDegraded || r.Components["database"].Status != "down" || s.InSync || len(s.Pending) != 0 || *s.Required != "a" {
		t.Errorf("Degraded = %+v, engine %+v", r, s)
	}
}

func ExampleMatch() {
	fsys := folder(
		mig{"0000_init", 1700000000000, "CREATE TABLE users (id serial PRIMARY KEY);"},
		mig{"0001_email", 1700000001000, "ALTER TABLE users ADD COLUMN email text;"},
	)
	j, err := journal.Open(fsys)
	if err != nil {
		fmt.Println(err)
		return
	}
	l := ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: []ledger.Row{
		{ID: 1, Hash: j.Migrations[0].Hash, CreatedAt: 1700000000000},
	}}
	s := tracks.Match(j, l)
	fmt.Println("applied:", *s.Applied)
	fmt.Println("required:", *s.Required)
	fmt.Println("pending:", s.Pending)
	fmt.Println("in sync:", s.InSync)
	// Output:
	// applied: 0000_init
	// required: 0001_email
	// pending: [0001_email]
	// in sync: false
}

func BenchmarkMatch1000(b *testing.B) {
	j := &journal.Journal{Version: "7", Dialect: "postgresql"}
	rows := make([]ledger.Row, 0, 1000)
	for i := range 1000 {
		tag := fmt.Sprintf("%04d_m", i)
		when := int64(1700000000000 + i*1000)
		j.Migrations = append(j.Migrations, &journal.Migration{Entry: journal.Entry{Idx: i, When: when, Tag: tag}, Hash: fmt.Sprintf("%064x", i)})
		if i != 500 { // one pending, out of order
			rows = append(rows, ledger.Row{ID: int64(len(rows) + 1), Hash: fmt.Sprintf("%064x", i), CreatedAt: when})
		}
	}
	l := ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: rows}
	b.ReportAllocs()
	for b.Loop() {
		s := tracks.Match(j, l)
		if len(s.Pending) != 1 || len(s.OutOfOrder) != 1 {
			b.Fatalf("pending %v", s.Pending)
		}
	}
}

// An exact duplicate of a matched row (same hash and created_at) is a
// duplicate of its migration, an integrity problem; a row with the same
// created_at but another hash stays unknown.
func TestMatchDuplicate(t *testing.T) {
	s := tracks.Match(jm("a", 100, "b", 200), ledger.Ledger{Table: ledger.ClientTable, Exists: true,
		Rows: []ledger.Row{row(1, "ha", 100), row(2, "ha", 100), row(3, "hx", 100), row(4, "hb", 200)}})
	if len(s.Duplicate) != 1 || s.Duplicate[0].ID != 2 || s.Duplicate[0].Migration != "a" {
		t.Errorf("duplicate = %+v, want row 2 of a", s.Duplicate)
	}
	if len(s.Unknown) != 1 || s.Unknown[0].ID != 3 {
		t.Errorf("unknown = %+v, want row 3", s.Unknown)
	}
	if !s.Problems() {
		t.Error("a duplicate row is not reported as a problem")
	}
}
