package tracks_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// One verdict per case, the rule of issue 13: a ledger is ahead only when
// the local migrations are a prefix of it; rows of other migrations among
// or instead of the local ones make it foreign.
func TestJudge(t *testing.T) {
	abc := jm("a", 100, "b", 200, "c", 300)
	for _, tc := range []struct {
		name      string
		rows      []ledger.Row
		facts     tracks.Facts
		want      tracks.Verdict
		integrity []string // problem kinds
	}{
		{"empty ledger", nil, tracks.Facts{}, tracks.Pending, nil},
		{"in sync", []ledger.Row{row(1, "ha", 100), row(2, "hb", 200), row(3, "hc", 300)}, tracks.Facts{}, tracks.InSync, nil},
		{"prefix: ahead", []ledger.Row{row(1, "ha", 100), row(2, "hb", 200), row(3, "hc", 300), row(4, "hd", 400)},
			tracks.Facts{}, tracks.Ahead, nil},
		{"behind", []ledger.Row{row(1, "ha", 100)}, tracks.Facts{}, tracks.Pending, nil},
		// Another engine's ledger: newer rows, none of them ours. Before
		// issue 13 this was "ahead (fine)".
		{"no row matches: foreign", []ledger.Row{row(1, "hx", 1000), row(2, "hy", 2000)}, tracks.Facts{}, tracks.Foreign, []string{"foreign"}},
		{"no row matches, older rows: foreign", []ledger.Row{row(1, "hx", 10), row(2, "hy", 20)}, tracks.Facts{}, tracks.Foreign, []string{"foreign"}},
		// A fork sharing the first migration: its own rows sit among ours.
		{"matches not a prefix: foreign", []ledger.Row{row(1, "ha", 100), row(2, "hx", 150), row(3, "hy", 250)},
			tracks.Facts{}, tracks.Foreign, []string{"foreign"}},
		// A fork sharing the first migration, whose own rows are newer
		// than every local one while local ones are pending: not a
		// prefix. Before, "ahead (fine)" beside "pending" (finding 5).
		{"diverged: newer rows above pending local ones: foreign", []ledger.Row{row(1, "ha", 100), row(2, "hx", 400), row(3, "hy", 500)},
			tracks.Facts{}, tracks.Foreign, []string{"foreign"}},
		{"diverged after every local one matched but the last: foreign", []ledger.Row{row(1, "ha", 100), row(2, "hb", 200), row(3, "hx", 400)},
			tracks.Facts{}, tracks.Foreign, []string{"foreign"}},
		{"a differing hash at a matching created_at: modified", []ledger.Row{row(1, "hX", 100), row(2, "hb", 200), row(3, "hc", 300)},
			tracks.Facts{}, tracks.Modified, []string{"modified"}},
		{"every row modified: still modified", []ledger.Row{row(1, "hX", 100), row(2, "hY", 200), row(3, "hZ", 300)},
			tracks.Facts{}, tracks.Modified, []string{"modified"}},
		{"out of order", []ledger.Row{row(1, "ha", 100), row(2, "hc", 300)}, tracks.Facts{}, tracks.OutOfOrder, []string{"out_of_order"}},
		{"duplicate row: reported, not foreign", []ledger.Row{row(1, "ha", 100), row(2, "ha", 100), row(3, "hb", 200), row(4, "hc", 300)},
			tracks.Facts{}, tracks.InSync, []string{"duplicate_rows"}},
		{"same created_at, other hash: unknown, not foreign", []ledger.Row{row(1, "ha", 100), row(2, "hx", 100), row(3, "hb", 200), row(4, "hc", 300)},
			tracks.Facts{}, tracks.InSync, []string{"unknown_rows"}},
		{"major ahead", []ledger.Row{row(1, "ha", 100), row(2, "hb", 200), row(3, "hc", 300)},
			tracks.Facts{MajorAhead: true, Recorded: "2.0.0", Build: "1.4.0"}, tracks.ReleaseMajorAhead, []string{"release_major_ahead"}},
		{"unreachable", nil, tracks.Facts{Unreachable: true}, tracks.Unreachable, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tracks.Match(abc, ledger.Ledger{Table: ledger.EngineTable, Exists: tc.rows != nil, Rows: tc.rows})
			f := tc.facts
			f.Track, f.State = tracks.Engine, &s
			v, ps := tracks.Judge(f)
			if v != tc.want {
				t.Errorf("verdict = %s, want %s", v, tc.want)
			}
			var kinds []string
			for _, p := range ps {
				kinds = append(kinds, p.Kind)
				if p.Track != tracks.Engine || p.Message == "" {
					t.Errorf("problem %+v: want track engine and a message", p)
				}
			}
			if len(kinds) != len(tc.integrity) {
				t.Fatalf("problems %v, want %v", kinds, tc.integrity)
			}
			for i := range kinds {
				if kinds[i] != tc.integrity[i] {
					t.Errorf("problems %v, want %v", kinds, tc.integrity)
				}
			}
		})
	}
	// A track whose migrations were not supplied (guard without
	// WithClientMigrations) is never called foreign.
	s := tracks.Match(jm(), ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: []ledger.Row{row(1, "hx", 5)}})
	if v, _ := tracks.Judge(tracks.Facts{State: &s}); v != tracks.Foreign {
		t.Errorf("empty folder, rows in the ledger: verdict %s, want foreign (the wrong folder)", v)
	}
	if v, _ := tracks.Judge(tracks.Facts{State: &s, Unchecked: true}); v != tracks.Ahead {
		t.Errorf("unchecked track: verdict %s, want ahead", v)
	}
}

// The 1.0 layout applies a pending folder older than the newest applied
// one (AppliedOutOfOrder), but rows newer than every local folder above
// pending local folders are the same divergence as in the 0.x layout.
func TestJudgeDivergedFolders(t *testing.T) {
	j := jm1(t, fA, fB, fD)
	for _, tc := range []struct {
		name string
		rows []ledger.Row
		want tracks.Verdict
	}{
		{"applied out of order, nothing newer: pending", []ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(2, "h"+fD, ms(t, fD), fD)}, tracks.Pending},
		{"prefix, then newer: ahead", []ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(2, "h"+fB, ms(t, fB), fB),
			named(3, "h"+fD, ms(t, fD), fD), named(4, "hz", 5, "20990101000000_z")}, tracks.Ahead},
		{"shared first folder, then its own newer ones: foreign", []ledger.Row{named(1, "h"+fA, ms(t, fA), fA),
			named(2, "hy", 4, "20990101000000_y"), named(3, "hz", 5, "20990101000001_z")}, tracks.Foreign},
		{"nameless rows, newer seconds: foreign", []ledger.Row{row(1, "h"+fA, ms(t, fA)), row(2, "hz", ms(t, "20990101000000_z"))}, tracks.Foreign},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tracks.Match(j, ledger.Ledger{Table: ledger.EngineTable, Exists: true, Version: ledger.Version1, Rows: tc.rows})
			v, ps := tracks.Judge(tracks.Facts{Track: tracks.Engine, State: &s})
			if v != tc.want {
				t.Fatalf("verdict = %s, want %s (pending %v ahead %+v)", v, tc.want, s.Pending, s.Ahead)
			}
			if v == tracks.Foreign && (len(ps) != 1 || len(ps[0].Items) == 0) {
				t.Errorf("foreign problem should list the rows: %+v", ps)
			}
		})
	}
}

// The foreign problem says how many rows matched and where the migrations
// came from, and its remedy is words, not a flag.
func TestJudgeForeignMessage(t *testing.T) {
	s := tracks.Match(jm("a", 100), ledger.Ledger{Table: ledger.EngineTable, Exists: true,
		Rows: []ledger.Row{row(1, "hx", 1000), row(2, "hy", 2000), row(3, "hz", 3000)}})
	_, ps := tracks.Judge(tracks.Facts{Track: tracks.Engine, State: &s, Location: "bundled", Origin: "bundled"})
	if len(ps) != 1 {
		t.Fatalf("problems = %+v", ps)
	}
	want := "the ledger drizzle.__drizzle_migrations is not this engine track's: 0 of its 3 row(s) match the migrations at bundled"
	if ps[0].Message != want || ps[0].Remedy != "run it from the app folder, or pass the engine folder" {
		t.Errorf("problem = %+v\nwant message %q", ps[0], want)
	}
}

// A track both behind and modified is behind first: its verdict refuses
// boot, and the modification is still an integrity problem.
func TestJudgePendingAndModified(t *testing.T) {
	s := tracks.Match(jm("a", 100, "b", 200), ledger.Ledger{Table: ledger.EngineTable, Exists: true,
		Rows: []ledger.Row{row(1, "hX", 100)}})
	v, ps := tracks.Judge(tracks.Facts{Track: tracks.Engine, State: &s})
	if v != tracks.Pending || !v.RefusesBoot() || len(ps) != 1 || ps[0].Kind != "modified" {
		t.Fatalf("verdict %s (refuses boot %v), problems %+v", v, v.RefusesBoot(), ps)
	}
}

// A release is text from a package.json: ValidRelease never panics, and
// what it accepts has exactly three numeric parts and no "v".
func FuzzValidRelease(f *testing.F) {
	for _, s := range []string{"0.67.0", "1.2.3-rc.1+build.5", "v1.2.3", "1.2", "1.2.3.4", "", "01.2.3", "1.2.3-", "latest"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := tracks.ValidRelease(s); err != nil {
			if !errors.Is(err, tracks.ErrBadRelease) {
				t.Fatalf("%q: %v does not match ErrBadRelease", s, err)
			}
			return
		}
		core, _, _ := strings.Cut(s, "-")
		core, _, _ = strings.Cut(core, "+")
		if strings.HasPrefix(s, "v") || strings.Count(core, ".") != 2 {
			t.Fatalf("accepted %q", s)
		}
		for _, p := range strings.Split(core, ".") {
			if len(p) > 1 && p[0] == '0' {
				t.Fatalf("accepted %q: leading zero", s)
			}
		}
	})
}

// Numeric parts with leading zeros are not semver (go-version reads them,
// npm does not): refused in the core and in numeric prerelease parts;
// build metadata may have them (finding 14).
func TestValidReleaseLeadingZeros(t *testing.T) {
	for v, ok := range map[string]bool{
		"0.67.0": true, "1.2.3-rc.1": true, "1.2.3-rc.0a": true, "1.2.3+build.007": true, "1.0.0-0": true, "1.2.3-0a1": true,
		"01.2.3": false, "1.02.3": false, "1.2.03": false, "0.67.0-rc.01": false, "1.2.3-00": false, "00.1.0": false,
	} {
		err := tracks.ValidRelease(v)
		if (err == nil) != ok || (err != nil && !errors.Is(err, tracks.ErrBadRelease)) {
			t.Errorf("ValidRelease(%q) = %v, want ok=%v", v, err, ok)
		}
	}
}
