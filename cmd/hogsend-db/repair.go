package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/version"
	"github.com/hogsend/hogsend-db/tracks"
)

func repairCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:  "repair",
		Usage: "--from-push: write the missing ledger rows of migrations whose effects are already present (after drizzle-kit push)",
		Description: "Runs drift, then writes the ledger rows (hash and when, exactly as drizzle-orm) of the push-gap\n" +
			"migrations: the contiguous run right after the last applied migration of each track, nothing else.\n" +
			"It re-checks under the migration lock and writes in one transaction. It refuses (exit 4, nothing\n" +
			"written) when a pending migration is only partly present, or when a folder was renamed after its\n" +
			"migration ran (its ledger row names the old folder) or edited after it ran in a second it shares\n" +
			"with other folders (drift: edited). Without --yes it asks on a terminal and refuses without one.",
		Flags: []cli.Flag{databaseURLFlag(), dirFlag(), engineDirFlag(), engineReleaseFlag(), devURLFlag(), trackFlag(), jsonFlag(),
			&cli.BoolFlag{Name: "from-push", Usage: "stamp migrations whose effects are present (the only repair there is; required)"},
			&cli.BoolFlag{Name: "dry-run", EnvVars: []string{"HOGSEND_DRY_RUN"}, Usage: "show the rows that would be written; write nothing"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
			lockWaitFlag(),
			connectTimeoutFlag(),
		},
		Action: commandAction(s, newRepairOptions, runRepair),
	}
}

// repairJSON is the --json document of repair.
type repairJSON struct {
	DryRun  bool          `json:"dryRun"`
	Written bool          `json:"written"`
	Rows    []drift.Row   `json:"rows"`
	Release string        `json:"release,omitempty"`
	Drift   *drift.Report `json:"drift,omitempty"` // before the repair
	After   *drift.Report `json:"after,omitempty"` // after it, when rows were written
	Error   *errorJSON    `json:"error"`
}

// repairOptions are repair's flags, read and checked once.
type repairOptions struct {
	trackOptions
	FromPush, DryRun, Yes bool
	LockWait              time.Duration
}

func newRepairOptions(c *cli.Context) (repairOptions, error) {
	o := repairOptions{trackOptions: readTrackOptions(c),
		FromPush: c.Bool("from-push"), DryRun: c.Bool("dry-run"), Yes: c.Bool("yes"), LockWait: c.Duration("lock-wait")}
	if !o.FromPush {
		return o, usageError("repair needs --from-push (stamp migrations whose effects are already present)")
	}
	return o, o.requireURL()
}

func runRepair(ctx context.Context, o repairOptions, s *streams) error {
	loaded, err := loadTracks(o.trackOptions, s)
	if err != nil {
		return err
	}
	doc := &repairJSON{DryRun: o.DryRun, Rows: []drift.Row{}}
	rep, h, live, conn, err := driftCheck(ctx, s, o.trackOptions, loaded)
	if conn != nil {
		defer conn.Close(ctx)
	}
	if err != nil {
		return s.fail(o.JSON, doc, err)
	}
	doc.Drift = rep
	plan, err := drift.PlanRepair(rep, h, live)
	if err != nil {
		if !o.JSON {
			renderDrift(s, rep)
		}
		return s.fail(o.JSON, doc, err)
	}
	doc.Rows, doc.Release = plan.Rows, plan.Release
	if plan.Empty() {
		if o.JSON {
			return s.printJSON(doc)
		}
		fmt.Fprintln(s.out, "nothing to repair: no migration is present without its ledger row")
		if !rep.InSync {
			s.note("drift remains (missing, present-after-a-gap or untracked objects): run hogsend-db drift")
		}
		return nil
	}
	if !o.JSON {
		renderRows(s, plan, o.DryRun)
	}
	if o.DryRun {
		if o.JSON {
			return s.printJSON(doc)
		}
		fmt.Fprintln(s.out, "dry run: nothing was written")
		return nil
	}
	if !o.Yes {
		if !isTerminal(s.in) {
			return s.fail(o.JSON, doc, usageError("refusing to write ledger rows without confirmation, nothing written: no terminal to ask on; pass --yes (or --dry-run to see the rows)"))
		}
		fmt.Fprintf(s.err, "write %d ledger row(s)? [y/N] ", len(plan.Rows))
		answer, _ := bufio.NewReader(s.in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return s.fail(o.JSON, doc, errors.New("repair: not confirmed; nothing written"))
		}
	}
	after, err := drift.Repair(ctx, conn, o.DatabaseURL, h, plan, drift.RepairOptions{
		LockWait: o.LockWait, ToolVersion: version.Number(),
		OnEvent: func(e tracks.Event) { renderEvent(s, e) },
	})
	if err != nil {
		return s.fail(o.JSON, doc, err)
	}
	doc.Written, doc.After = true, after
	if o.JSON {
		return s.printJSON(doc)
	}
	for _, r := range plan.Rows {
		fmt.Fprintf(s.out, "%s: stamped %s\n", r.Track, r.Tag)
	}
	if plan.Release != "" {
		fmt.Fprintf(s.out, "engine: recorded release %s\n", plan.Release)
	}
	fmt.Fprintf(s.out, "wrote %d ledger row(s) in one transaction\n", len(plan.Rows))
	return nil
}

func (d *repairJSON) withError(e *errorJSON) any { d.Error = e; return d }

func renderRows(s *streams, p *drift.Plan, dry bool) {
	r := s.style()
	head := "rows to write"
	if dry {
		head = "rows that would be written"
	}
	fmt.Fprintln(s.out, r.NewStyle().Bold(true).Render(head)+":")
	for _, row := range p.Rows {
		fmt.Fprintf(s.out, "  %s  %s  hash=%s  created_at=%d\n", row.Ledger, row.Tag, row.Hash, row.CreatedAt)
	}
	if p.Release != "" {
		prev := p.PreviousRelease
		if prev == "" {
			prev = "none"
		}
		fmt.Fprintf(s.out, "  engine release %s (recorded: %s)\n", p.Release, prev)
	}
}
