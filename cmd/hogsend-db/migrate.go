package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/version"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
)

func migrateCommand(s *streams) *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "apply pending migrations: the engine track, then the client track, under one advisory lock",
		Flags: []cli.Flag{databaseURLFlag(), dirFlag(), engineDirFlag(), engineReleaseFlag(), trackFlag(), jsonFlag(),
			&cli.BoolFlag{Name: "dry-run", EnvVars: []string{"HOGSEND_DRY_RUN"}, Usage: "print what would run (tags and SQL); touch nothing"},
			&cli.StringFlag{Name: "tx", EnvVars: []string{"HOGSEND_TX"}, Value: "track", Usage: "track: all pending migrations of a track in one transaction; migration: commit after each"},
			&cli.BoolFlag{Name: "allow-out-of-order", EnvVars: []string{"HOGSEND_ALLOW_OUT_OF_ORDER"}, Usage: "apply pending migrations older than the newest applied one"},
			&cli.BoolFlag{Name: "strict", EnvVars: []string{"HOGSEND_STRICT"}, Usage: "fail (exit 4) when an applied migration's file was modified"},
			lockWaitFlag(),
			&cli.DurationFlag{Name: "lock-timeout", EnvVars: []string{"HOGSEND_LOCK_TIMEOUT"}, Value: 10 * time.Second, Usage: "PostgreSQL lock_timeout for each statement"},
			&cli.DurationFlag{Name: "statement-timeout", EnvVars: []string{"HOGSEND_STATEMENT_TIMEOUT"}, Value: 15 * time.Minute, Usage: "PostgreSQL statement_timeout for each statement"},
			connectTimeoutFlag(),
		},
		Action: commandAction(s, newMigrateOptions, runMigrate),
	}
}

// migrateOptions are migrate's flags, read and checked once.
type migrateOptions struct {
	trackOptions
	DryRun                                  bool
	Tx                                      tracks.TxMode
	AllowOutOfOrder, Strict                 bool
	LockWait, LockTimeout, StatementTimeout time.Duration
}

func newMigrateOptions(c *cli.Context) (migrateOptions, error) {
	o := migrateOptions{
		trackOptions: readTrackOptions(c),
		DryRun:       c.Bool("dry-run"), Tx: tracks.TxMode(c.String("tx")),
		AllowOutOfOrder: c.Bool("allow-out-of-order"), Strict: c.Bool("strict"),
		LockWait: c.Duration("lock-wait"), LockTimeout: c.Duration("lock-timeout"), StatementTimeout: c.Duration("statement-timeout"),
	}
	if err := o.requireURL(); err != nil {
		return o, err
	}
	if o.Tx != tracks.TxTrack && o.Tx != tracks.TxMigration {
		return o, usageError("--tx %q: want track or migration", o.Tx)
	}
	return o, nil
}

// migrateJSON is the --json document of migrate.
type migrateJSON struct {
	DryRun     bool                     `json:"dryRun"`
	DurationMs *int64                   `json:"durationMs,omitempty"`      // the whole run, lock wait included
	TrackMs    map[string]int64         `json:"trackDurationMs,omitempty"` // per track: its transactions, committed
	Applied    map[string][]string      `json:"applied"`
	Pending    map[string][]pendingJSON `json:"pending,omitempty"`
	Status     *tracks.Report           `json:"status,omitempty"`
	Engine     *tracks.EngineInfo       `json:"engine,omitempty"` // the engine migrations used (also in status)
	Error      *errorJSON               `json:"error"`
}

type pendingJSON struct {
	Tag           string `json:"tag"`
	File          string `json:"file"`
	NoTransaction bool   `json:"noTransaction"`
	SQL           string `json:"sql"`
}

type errorJSON struct {
	Message   string `json:"message"`
	ExitCode  int    `json:"exitCode"`
	Track     string `json:"track,omitempty"`
	Tag       string `json:"tag,omitempty"`
	File      string `json:"file,omitempty"`
	Statement int    `json:"statement,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	SQLState  string `json:"sqlstate,omitempty"`
}

func toErrorJSON(s *streams, err error) *errorJSON {
	if err == nil {
		return nil
	}
	e := &errorJSON{Message: s.red.String(message(err)), ExitCode: exitCode(err)}
	// Where a statement failed, in migrate (tracks) or on a scratch
	// database (lint, drift, generate): one shape, rendered here.
	var st *journal.StatementError
	if errors.As(err, &st) && st.File != "" {
		e.Tag, e.File, e.Statement, e.Line, e.Column, e.SQLState = st.Tag, st.File, st.Statement, st.Line, st.Col, st.SQLState
	}
	var te *tracks.StatementError
	if errors.As(err, &te) {
		e.Track = te.Track
	}
	// A statement of the desired schema (generate): its file, not a migration's.
	var gse *generate.SchemaError
	if errors.As(err, &gse) {
		e.File, e.Line, e.Column = gse.File, gse.Line, gse.Col
	}
	return e
}

func runMigrate(ctx context.Context, o migrateOptions, s *streams) error {
	loaded, err := loadTracks(o.trackOptions, s)
	if err != nil {
		return err
	}
	conn, err := tracks.Connect(ctx, o.DatabaseURL, tracks.Session{
		LockTimeout: o.LockTimeout, StatementTimeout: o.StatementTimeout,
		ConnectTimeout: o.ConnectTimeout,
	})
	if err != nil {
		return s.fail(o.JSON, &migrateJSON{DryRun: o.DryRun, Applied: appliedByTrack(loaded, nil), Engine: engineInfo(loaded)}, err)
	}
	defer conn.Close(ctx)

	start := time.Now()
	trackTime := map[string]int64{}
	view := newMigrateView(s)
	opts := tracks.Options{
		Tx: o.Tx, AllowOutOfOrder: o.AllowOutOfOrder, Strict: o.Strict,
		LockWait: o.LockWait, ToolVersion: version.Number(),
		// Per-statement progress is for people; --json keeps the message
		// exactly as lean as before.
		Progress: !o.JSON,
		OnEvent: func(e tracks.Event) {
			if cm, ok := e.(tracks.Committed); ok {
				trackTime[cm.Track] += cm.Duration.Milliseconds()
			}
			view.on(e)
		},
	}
	if o.DryRun {
		view.close()
		return dryRun(ctx, s, o.JSON, conn, loaded, opts)
	}
	res, err := tracks.Apply(ctx, conn, loaded, opts)
	view.close()
	total := time.Since(start)
	ms := total.Milliseconds()
	doc := &migrateJSON{Applied: appliedByTrack(loaded, nil), DurationMs: &ms, TrackMs: trackTime, Engine: engineInfo(loaded)}
	if res != nil {
		doc.Applied, doc.Status = appliedByTrack(loaded, res.Applied), res.Report
	}
	if err != nil {
		return s.fail(o.JSON, doc, err)
	}
	if o.JSON {
		return s.printJSON(doc)
	}
	if line := engineLine(doc.Engine); line != "" {
		fmt.Fprintln(s.out, line)
	}
	for _, l := range loaded {
		st := res.Report.Schema[l.Name]
		if tags := res.Applied[l.Name]; len(tags) > 0 {
			fmt.Fprintf(s.out, "%s: applied %d migration(s), now at %s\n", l.Name, len(tags), tagOrDash(st.Applied))
		} else {
			fmt.Fprintf(s.out, "%s: nothing to apply, at %s\n", l.Name, tagOrDash(st.Applied))
		}
	}
	fmt.Fprintf(s.out, "done in %s\n", fmtDuration(total))
	return nil
}

// appliedByTrack is the "applied" field of the JSON document: every
// selected track, with [] when it applied nothing (never null, never left
// out, so `.applied.client[]` works in a CI script).
func appliedByTrack(loaded []tracks.Loaded, applied map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, l := range loaded {
		out[l.Name] = append([]string{}, applied[l.Name]...)
	}
	return out
}

func (d *migrateJSON) withError(e *errorJSON) any {
	if d.Applied == nil {
		d.Applied = map[string][]string{}
	}
	d.Error = e
	return d
}

func dryRun(ctx context.Context, s *streams, asJSON bool, conn tracksQuerier, loaded []tracks.Loaded, opts tracks.Options) error {
	rep, err := tracks.Status(ctx, conn, loaded)
	doc := &migrateJSON{DryRun: true, Applied: appliedByTrack(loaded, nil), Pending: map[string][]pendingJSON{}, Status: rep,
		Engine: engineInfo(loaded)}
	if err == nil {
		err = tracks.Preflight(rep, loaded, opts)
	}
	if err != nil {
		return s.fail(asJSON, doc, err)
	}
	for _, l := range loaded {
		st := rep.Schema[l.Name]
		list := []pendingJSON{}
		for _, m := range st.PendingMigrations() {
			list = append(list, pendingJSON{Tag: m.Tag, File: m.File, NoTransaction: m.NoTransaction, SQL: m.SQL})
		}
		doc.Pending[l.Name] = list
	}
	if asJSON {
		return s.printJSON(doc)
	}
	r := s.style()
	title := r.NewStyle().Bold(true)
	if line := engineLine(doc.Engine); line != "" {
		fmt.Fprintln(s.out, line)
	}
	for _, l := range loaded {
		list := doc.Pending[l.Name]
		if len(list) == 0 {
			fmt.Fprintf(s.out, "%s: nothing to apply\n", l.Name)
			continue
		}
		fmt.Fprintf(s.out, "%s: would apply %d migration(s) (--tx %s):\n", l.Name, len(list), opts.Tx)
		for _, p := range list {
			mode := ""
			if p.NoTransaction {
				mode = " (no transaction)"
			}
			fmt.Fprintf(s.out, "\n%s\n%s\n", title.Render("-- "+l.Name+"/"+showTag(p.File)+mode), strings.TrimRight(p.SQL, "\n"))
		}
		fmt.Fprintln(s.out)
	}
	fmt.Fprintln(s.out, "dry run: nothing was changed")
	return nil
}

func renderEvent(s *streams, e tracks.Event) {
	switch e := e.(type) {
	case tracks.LockWaiting:
		s.note("waiting for the migration lock (advisory key %d), held by %s", tracks.LockKey, e.Holder)
	case tracks.LockAcquired:
		if e.Waited > 100*time.Millisecond {
			s.note("migration lock acquired after %s", e.Waited.Round(time.Millisecond))
		}
	case tracks.LockNotHeld:
		msg := "warning: the advisory lock is not held by this session after acquiring it: a transaction-pooling proxy (PgBouncer pool_mode=transaction) is probably in between, and concurrent migrations are not serialized; connect directly or through session pooling"
		if e.Holder != nil && e.Holder.PID != 0 {
			msg += fmt.Sprintf(". The lock may stay on the pooled server session %s until the pooler recycles it; a later migrate would wait for it: end it with SELECT pg_terminate_backend(%d)", e.Holder, e.Holder.PID)
		}
		s.note("%s", msg)
	case tracks.Warning:
		s.note("warning: %s: %s", e.Track, e.Message)
	case tracks.MigrationApplied:
		mode := ""
		if e.NoTransaction {
			mode = " (no transaction)"
		}
		s.note("%s: applied %s%s", e.Track, e.Tag, mode)
	case tracks.ReleaseRecorded:
		s.note("engine: recorded release %s", e.Version)
	}
}
