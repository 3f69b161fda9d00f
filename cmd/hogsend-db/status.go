package main

import (
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
		Description: "Exit 0 when every track is in sync, 3 when migrations are pending, 4 when the ledger has integrity\n" +
			"problems (out-of-order, modified, unknown or NULL rows), 1 when the database cannot be read\n" +
			"(--json then prints status \"degraded\").",
		Flags:  []cli.Flag{databaseURLFlag(), dirFlag(), engineDirFlag(), trackFlag(), jsonFlag(), connectTimeoutFlag()},
		Action: func(c *cli.Context) error { return statusRun(c, s) },
	}
}

func statusRun(c *cli.Context, s *streams) error {
	url, err := requireURL(c)
	if err != nil {
		return err
	}
	loaded, err := loadTracks(c, s)
	if err != nil {
		return err
	}
	rep, err := readStatus(c, s, url, loaded)
	if err != nil {
		if c.Bool("json") {
			if perr := s.printJSON(rep); perr != nil {
				return perr
			}
		}
		return err
	}
	if c.Bool("json") {
		if err := s.printJSON(rep); err != nil {
			return err
		}
	} else {
		renderStatus(s, rep, loaded)
	}
	return exitWith(statusCode(rep))
}

// readStatus connects and reads the report; on failure it returns the
// degraded report together with the error.
func readStatus(c *cli.Context, s *streams, url string, loaded []tracks.Loaded) (*tracks.Report, error) {
	conn, err := tracks.Connect(c.Context, url, tracks.Session{ConnectTimeout: c.Duration("connect-timeout")})
	if err == nil {
		defer conn.Close(c.Context)
		var rep *tracks.Report
		if rep, err = tracks.Status(c.Context, conn, loaded); err == nil {
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

// statusCode: 4 (integrity) wins over 3 (pending).
func statusCode(rep *tracks.Report) int {
	switch {
	case rep.Problems():
		return exitIntegrity
	case rep.Status == tracks.StatusMigrationPending:
		return exitPending
	}
	return exitOK
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
		if !st.InSync {
			state = warn.Render(fmt.Sprintf("%d pending", len(st.Pending)))
		}
		if st.Problems() {
			state += " " + bad.Render("+ problems")
		}
		t.Row(l.Name, st.Ledger, tagOrDash(st.Applied), tagOrDash(st.Required), state)
		notes = append(notes, trackNotes(l.Name, st)...)
	}
	fmt.Fprintln(s.out, t.Render())
	if rep.Release != nil {
		fmt.Fprintf(s.out, "engine release recorded in the database: %s (by hogsend-db %s)\n", rep.Release.Version, rep.Release.ToolVersion)
	}
	for _, n := range notes {
		fmt.Fprintln(s.out, n)
	}
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
	add("modified", st.Modified, " (edited after they were applied: the database does not have the edits)")
	if !st.FolderMissing {
		add("ahead", rowNames(st.Ahead), " (the database is newer than this build: fine)")
	}
	add("unknown rows", rowNames(st.Unknown), " (match no migration file)")
	add("NULL created_at rows", rowNames(st.NullCreatedAt), " (drizzle-orm would re-run every migration)")
	add("when not increasing", st.NotIncreasing, " (journal order and when disagree)")
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
