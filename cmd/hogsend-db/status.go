package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

func statusCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show both tracks: applied, required, pending, integrity warnings (read-only: no lock, no writes)",
		Description: "Exit 0 when every track is in sync (or ahead), 3 when migrations are pending, 4 when a ledger has\n" +
			"integrity problems (foreign, newer major release, out-of-order, modified, unknown, duplicate or NULL rows;\n" +
			"objects of applied migrations missing from the database, found by comparing the newest applied snapshot\n" +
			"with the catalog: the JSON lists them in \"integrity\"), 1 when the database cannot be read (--json then\n" +
			"prints status \"degraded\").\n" +
			"--fail-on engine: pending client migrations exit 0 (a CI gate or probe that fails only when the engine\n" +
			"is behind or integrity is broken). See docs/status.md.",
		Flags: []cli.Flag{databaseURLFlag(), dirFlag(), engineDirFlag(), engineReleaseFlag(), trackFlag(), jsonFlag(), connectTimeoutFlag(),
			&cli.StringFlag{Name: "fail-on", EnvVars: []string{"HOGSEND_FAIL_ON"}, Value: failOnAny,
				Usage: "which pending migrations exit 3: any (every track) or engine (pending client migrations exit 0)"}},
		Action: commandAction(s, newStatusOptions, runStatus),
	}
}

// statusOptions are status's flags, read and checked once.
type statusOptions struct {
	trackOptions
	FailOn string // failOnAny or tracks.Engine
}

func newStatusOptions(c *cli.Context) (statusOptions, error) {
	o := statusOptions{trackOptions: readTrackOptions(c), FailOn: c.String("fail-on")}
	if err := o.requireURL(); err != nil {
		return o, err
	}
	if o.FailOn != failOnAny && o.FailOn != tracks.Engine {
		return o, usageError("--fail-on %q: want any or engine", o.FailOn)
	}
	return o, nil
}

func runStatus(ctx context.Context, o statusOptions, s *streams) error {
	loaded, err := loadTracks(o.trackOptions, s)
	if err != nil {
		return err
	}
	rep, err := readStatus(ctx, s, o.trackOptions, loaded)
	if err != nil {
		if o.JSON {
			if perr := s.printJSON(rep); perr != nil {
				return perr
			}
		}
		return err
	}
	if o.JSON {
		if err := s.printJSON(rep); err != nil {
			return err
		}
	} else {
		renderStatus(s, rep, loaded)
	}
	return statusOutcome(rep, o.FailOn)
}

// readStatus connects and reads the report; on failure it returns the
// degraded report together with the error.
func readStatus(ctx context.Context, s *streams, o trackOptions, loaded []tracks.Loaded) (*tracks.Report, error) {
	conn, err := tracks.Connect(ctx, o.DatabaseURL, tracks.Session{ConnectTimeout: o.ConnectTimeout})
	if err == nil {
		defer conn.Close(ctx)
		var rep *tracks.Report
		if rep, err = tracks.Verify(ctx, conn, loaded); err == nil {
			return rep, nil
		}
	}
	rep := tracks.DegradedFor(loaded, err, s.red.String)
	var ue *ledger.UnreadableError
	if errors.As(err, &ue) {
		// The database answered: say so, with the reason and the fix.
		err = fmt.Errorf("the database is up, but hogsend-db cannot read %s: %s\nfix: %s", ledgerNames(ue.Tables), ue.Reason, ue.Remedy)
	}
	return rep, err
}

func ledgerNames(ts []ledger.Table) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return strings.Join(names, ", ")
}

const failOnAny = "any"

// statusOutcome is what the verdicts mean (docs/status.md's table):
// findings (exit 4) win over pending (exit 3); with --fail-on engine only
// the engine's pending migrations count.
func statusOutcome(rep *tracks.Report, failOn string) error {
	if len(rep.Integrity) > 0 || rep.Problems() {
		return outcomeFindings
	}
	for name, st := range rep.Schema {
		if !st.InSync && (failOn != tracks.Engine || name == tracks.Engine) {
			return outcomePending
		}
	}
	return nil
}

func renderStatus(s *streams, rep *tracks.Report, loaded []tracks.Loaded) {
	r := s.style()
	ok := r.NewStyle().Foreground(lipgloss.Color("10"))
	warn := r.NewStyle().Foreground(lipgloss.Color("11"))
	bad := r.NewStyle().Foreground(lipgloss.Color("9"))
	head := r.NewStyle().Bold(true).Padding(0, 1)
	cell := r.NewStyle().Padding(0, 1)
	t := table.New().Border(lipgloss.NormalBorder()).BorderStyle(r.NewStyle().Faint(true)).
		Headers("track", "ledger", "applied", "required", "state").
		StyleFunc(func(row, _ int) lipgloss.Style {
			if row == table.HeaderRow {
				return head
			}
			return cell
		})
	var notes []string
	for _, l := range loaded {
		st := rep.Schema[l.Name]
		state := ok.Render("in sync")
		switch {
		case st.Verdict == tracks.Foreign:
			state = bad.Render("foreign")
		case st.Verdict == tracks.ModifiedSameSecond && onlyRenamed(rep, l.Name):
			state = bad.Render("renamed")
		case st.Verdict == tracks.ModifiedSameSecond:
			state = bad.Render("modified")
		case !st.InSync:
			state = warn.Render(fmt.Sprintf("%d pending", len(st.Pending)))
		}
		if st.Problems() {
			state += " " + bad.Render("+ problems")
		}
		t.Row(l.Name, st.Ledger, tagOrDash(st.Applied), tagOrDash(st.Required), state)
		if st.Verdict != tracks.Foreign && st.Verdict != tracks.ModifiedSameSecond { // its own note says it all
			notes = append(notes, trackNotes(l.Name, st)...)
		}
	}
	fmt.Fprintln(s.out, t.Render())
	if line := engineLine(rep.Engine); line != "" {
		fmt.Fprintln(s.out, line)
	}
	for _, p := range rep.Integrity {
		if p.Kind == string(tracks.Foreign) || p.Kind == string(tracks.ReleaseMajorAhead) {
			fix := remedyFlag(p.Track)
			if p.Kind == string(tracks.ReleaseMajorAhead) {
				fix = p.Remedy
			}
			notes = append(notes, fmt.Sprintf("%s %s: %s. Fix: %s", p.Track, strings.ReplaceAll(p.Kind, "_", " "), p.Message, fix))
		}
		if p.Kind == string(tracks.ModifiedSameSecond) {
			notes = append(notes, fmt.Sprintf("%s modified: %s. Fix: %s", p.Track, p.Message, p.Remedy))
		}
		if p.Kind == tracks.KindRenamedFolder {
			notes = append(notes, fmt.Sprintf("%s renamed: %s. Fix: %s", p.Track, p.Message, p.Remedy))
		}
	}
	if rep.Release != nil {
		fmt.Fprintf(s.out, "engine release recorded in the database: %s (by hogsend-db %s)\n", rep.Release.Version, rep.Release.ToolVersion)
	}
	for _, n := range notes {
		fmt.Fprintln(s.out, n)
	}
}

// onlyRenamed reports whether a ModifiedSameSecond track's rows are all
// explained by renamed folders (no edit in a shared second).
func onlyRenamed(rep *tracks.Report, track string) bool {
	renamed := false
	for _, p := range rep.Integrity {
		if p.Track != track {
			continue
		}
		switch p.Kind {
		case string(tracks.ModifiedSameSecond):
			return false
		case tracks.KindRenamedFolder:
			renamed = true
		}
	}
	return renamed
}

// trackNotes lists a track's pending tags and integrity findings, one line each.
func trackNotes(name string, st *tracks.State) []string {
	var out []string
	add := func(label string, items []string, why string) {
		if len(items) > 0 {
			out = append(out, fmt.Sprintf("%s %s: %s%s", name, label, strings.Join(showTags(items), ", "), why))
		}
	}
	if st.FolderMissing {
		out = append(out, fmt.Sprintf("%s: %s", name, st.Note))
	}
	add("pending", st.Pending, "")
	add("out of order", st.OutOfOrder, " (older than the newest applied migration: drizzle-orm would never run them; migrate --allow-out-of-order)")
	add("out of order", st.AppliedOutOfOrder, " (older than the newest applied migration: migrate applies them, as drizzle-orm 1.0 does)")
	add("modified", st.Modified, " (edited after they were applied: the database does not have the edits)")
	switch {
	case st.FolderMissing: // its note above says it
	case st.Note == "":
		add("ahead", rowNames(st.Ahead), " (the database is newer than this build: fine)")
	default:
		add("ledger rows not checked", rowNames(st.Ahead), " ("+st.Note+")")
	}
	add("unknown rows", rowNames(st.Unknown), " (match no migration file)")
	dups := make([]string, len(st.Duplicate))
	for i, d := range st.Duplicate {
		dups[i] = rowNames([]tracks.RowRef{d.RowRef})[0] + " of " + d.Migration
	}
	add("duplicate rows", dups, " (a migration recorded twice: it may have run twice; check its effects, then delete the extra row)")
	add("NULL created_at rows", rowNames(st.NullCreatedAt), " (drizzle-orm would re-run every migration)")
	add("when not increasing", st.NotIncreasing, " (journal order and when disagree)")
	add("rows without a name", rowNames(st.NullName), " (written by drizzle-orm 0.x: matched by created_at and hash; drizzle-orm 1.0 would re-run them)")
	if sc := st.SchemaCheck; sc != nil {
		switch {
		case !sc.Verified:
			out = append(out, fmt.Sprintf("%s schema not verified: %s", name, sc.Reason))
		case len(sc.Missing) > 0:
			for _, m := range sc.Missing {
				obj := m.Kind + " " + m.Name
				if m.Table != "" {
					obj += " on " + m.Table
				}
				if m.Detail != "" {
					obj += " (" + m.Detail + ")"
				}
				out = append(out, fmt.Sprintf("%s missing %s, created by %s", name, obj, m.Migration))
			}
			out = append(out, fmt.Sprintf("%s: the ledger records these migrations, so hogsend-db migrate cannot restore the objects. "+
				"Run hogsend-db drift for the proof, then restore them from a backup or add a migration that recreates them.", name))
		}
	}
	for _, ix := range st.InvalidIndexes {
		out = append(out, fmt.Sprintf("%s invalid index: %s on %s, built by %s (a CREATE INDEX CONCURRENTLY failed). Remedy: %s",
			name, ix.Index, ix.Table, ix.Migration, ix.Remedy))
	}
	return out
}

func rowNames(rs []tracks.RowRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		h := r.Hash
		if len(h) > 12 {
			h = h[:12]
		}
		out[i] = fmt.Sprintf("id %d (hash %s)", r.ID, h)
	}
	return out
}

// tagOrDash is a tag as printed, or "-".
func tagOrDash(s *string) string {
	if s == nil {
		return "-"
	}
	return showTag(*s)
}

func orDash(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}
