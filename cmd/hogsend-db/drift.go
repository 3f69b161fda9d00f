package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/jackc/pgx/v5"
	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/tracks"
)

func driftCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:  "drift",
		Usage: "compare the live schema with what the migrations produce: push gaps, partial or missing migrations, untracked objects (read-only)",
		Description: "Replays the engine track, then the client track, on a temporary database (--dev-url, default: the\n" +
			"server of --database-url; dropped afterwards) and compares the live schema with the state after each\n" +
			"migration. Exit 0 when the live schema, the ledgers and the migrations agree, 4 when drift is found,\n" +
			"1 on error.",
		Flags:  []cli.Flag{databaseURLFlag(), dirFlag(), engineDirFlag(), engineReleaseFlag(), devURLFlag(), trackFlag(), jsonFlag(), connectTimeoutFlag()},
		Action: commandAction(s, newDriftOptions, runDrift),
	}
}

// driftOptions are drift's flags, read and checked once.
type driftOptions struct {
	trackOptions
}

func newDriftOptions(c *cli.Context) (driftOptions, error) {
	o := driftOptions{trackOptions: readTrackOptions(c)}
	return o, o.requireURL()
}

// driftJSON is the --json document of drift.
type driftJSON struct {
	*drift.Report
	Replay *replayJSON `json:"replay,omitempty"`
	Error  *errorJSON  `json:"error,omitempty"`
}

func (d *driftJSON) withError(e *errorJSON) any { d.Error = e; return d }

type replayJSON struct {
	Migrations int     `json:"migrations"`
	Seconds    float64 `json:"seconds"`
}

func runDrift(ctx context.Context, o driftOptions, s *streams) error {
	loaded, err := loadTracks(o.trackOptions, s)
	if err != nil {
		return err
	}
	rep, h, _, conn, err := driftCheck(ctx, s, o.trackOptions, loaded)
	if conn != nil {
		defer conn.Close(ctx)
	}
	if err != nil {
		return s.fail(o.JSON, &driftJSON{}, err)
	}
	if o.JSON {
		if err := s.printJSON(&driftJSON{Report: rep, Replay: replayInfo(h)}); err != nil {
			return err
		}
	} else {
		renderDrift(s, rep)
	}
	if rep.Findings() {
		return outcomeFindings
	}
	return nil
}

func replayInfo(h *drift.History) *replayJSON {
	n := 0
	for _, t := range h.Tracks {
		n += len(t.Journal.Migrations)
	}
	return &replayJSON{Migrations: n, Seconds: h.Duration.Seconds()}
}

// driftCheck connects, replays on the dev server and classifies. The
// returned connection (if any) is the caller's to close.
func driftCheck(ctx context.Context, s *streams, o trackOptions, loaded []tracks.Loaded) (*drift.Report, *drift.History, *drift.Live, *pgx.Conn, error) {
	conn, err := tracks.Connect(ctx, o.DatabaseURL, tracks.Session{ConnectTimeout: o.ConnectTimeout})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	dev, err := scratchURL(ctx, s, o)
	if err != nil {
		return nil, nil, nil, conn, err
	}
	n := 0
	for _, t := range loaded {
		n += len(t.Journal.Migrations)
	}
	if !o.JSON {
		s.note("replaying %d migration(s) on a temporary database on the server of %s", n, redact.URL(dev))
	}
	rep, h, live, err := drift.Detect(ctx, conn, o.DatabaseURL, loaded, drift.Options{DevURL: dev})
	return rep, h, live, conn, err
}

func renderDrift(s *streams, rep *drift.Report) {
	r := s.style()
	title := r.NewStyle().Bold(true)
	ok := r.NewStyle().Foreground(lipgloss.Color("10"))
	warn := r.NewStyle().Foreground(lipgloss.Color("11"))
	bad := r.NewStyle().Foreground(lipgloss.Color("9"))
	faint := r.NewStyle().Faint(true)
	for _, t := range rep.Tracks {
		fmt.Fprintf(s.out, "%s %s\n", title.Render(t.Track), faint.Render("("+t.Ledger+")"))
		applied := 0
		for _, m := range t.Migrations {
			if m.Status == drift.StatusApplied {
				applied++
			}
		}
		line := func(st lipgloss.Style, label string, tags []string, why string) {
			if len(tags) > 0 {
				fmt.Fprintf(s.out, "  %s %s%s\n", st.Render(label+":"), strings.Join(tags, ", "), faint.Render(why))
			}
		}
		if !t.Findings() {
			fmt.Fprintf(s.out, "  %s %d applied migration(s) present", ok.Render("ok:"), applied)
			if len(t.Pending) > 0 {
				fmt.Fprintf(s.out, ", %d pending (not present: migrate applies them)", len(t.Pending))
			}
			fmt.Fprintln(s.out)
			continue
		}
		line(warn, "push gap", t.PushGap, " (present, no ledger row: hogsend-db repair --from-push)")
		for _, m := range t.Migrations {
			if m.Status == drift.StatusPushGap && m.Unverifiable {
				fmt.Fprintf(s.out, "    %s %s\n", m.Tag, faint.Render("changes nothing drift can compare: its presence is assumed from the migrations around it"))
			}
		}
		for _, m := range t.Migrations {
			switch m.Status {
			case drift.StatusPartial:
				fmt.Fprintf(s.out, "  %s %s %s\n", bad.Render("partial:"), m.Tag, faint.Render("(only partly present)"))
				present := drift.Fold(m.Present)
				if len(present) > 6 {
					fmt.Fprintf(s.out, "      present: %s and %d more\n", present[0], len(present)-1)
				} else {
					objectLines(s, "present", present)
				}
			case drift.StatusMissing:
				fmt.Fprintf(s.out, "  %s %s %s\n", bad.Render("missing:"), m.Tag, faint.Render("(recorded as applied, effects missing)"))
			default:
				continue
			}
			objectLines(s, "missing", m.Missing)
			objectLines(s, "different", m.Different)
			objectLines(s, "not dropped", m.NotDropped)
		}
		for _, m := range t.Migrations {
			if m.Status == drift.StatusRenamed {
				fmt.Fprintf(s.out, "  %s %s %s\n", bad.Render("renamed:"), m.Tag,
					faint.Render("(ran as "+m.RanAs+", which its ledger row records: renamed after it ran; not stamped, not run again)"))
			}
		}
		if t.RenamedRemedy != "" {
			fmt.Fprintf(s.out, "    fix: %s\n", t.RenamedRemedy)
		}
		for _, m := range t.Migrations {
			if m.Status == drift.StatusEdited {
				fmt.Fprintf(s.out, "  %s %s %s\n", bad.Render("edited:"), m.Tag,
					faint.Render("(a nameless ledger row of its second matches none of its folders: edited after it ran; not stamped, not run again)"))
			}
		}
		if t.EditedRemedy != "" {
			fmt.Fprintf(s.out, "    fix: %s\n", t.EditedRemedy)
		}
		line(warn, "present after a gap", t.PresentBlocked, " (present, but an earlier pending migration is not: not stamped)")
		line(faint, "pending", t.Pending, " (not present: migrate applies them)")
		if applied > 0 {
			fmt.Fprintf(s.out, "  %s %d applied migration(s)\n", faint.Render("applied:"), applied)
		}
	}
	if len(rep.Untracked) > 0 {
		fmt.Fprintf(s.out, "%s %s\n", title.Render("untracked"), faint.Render("(in the database, produced by no migration: run hogsend-db generate)"))
		for _, o := range drift.Fold(rep.Untracked) {
			if o.Owner == tracks.Engine {
				fmt.Fprintf(s.out, "  %s %s\n", o, faint.Render("(on an engine table: engine objects change only with engine releases, and generate refuses them; drop it, or keep the data in a client table)"))
				continue
			}
			fmt.Fprintf(s.out, "  %s\n", o)
		}
	}
	fmt.Fprintf(s.out, "compared %d object(s) (tables, columns, indexes, constraints, enums, schemas)\n", rep.Compared)
	if rep.NotComparedSummary != "" {
		fmt.Fprintln(s.out, warn.Render(rep.NotComparedSummary)+faint.Render(" (Atlas's open-source driver cannot see them)"))
	}
	if rep.InSync {
		fmt.Fprintln(s.out, ok.Render("no drift"))
	} else {
		fmt.Fprintln(s.out, bad.Render("drift found"))
	}
}

func objectLines(s *streams, label string, refs []drift.ObjectRef) {
	for _, o := range drift.Fold(refs) {
		fmt.Fprintf(s.out, "      %s %s\n", label+":", o)
	}
}
