package drift

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// Row is one ledger row repair writes: exactly what drizzle-orm's migrator
// would have written for the migration (hash of the file, created_at = the
// journal's when; for a drizzle-kit 1.0 folder, created_at = the folder's
// time and name = the folder name, which drizzle-orm 1.0 writes into a
// version-1 ledger).
type Row struct {
	Track     string `json:"track"`
	Ledger    string `json:"ledger"`
	Tag       string `json:"tag"`
	Hash      string `json:"hash"`
	CreatedAt int64  `json:"createdAt"`
	Name      string `json:"name,omitempty"` // written only into a version-1 ledger
}

// Plan is what repair --from-push writes.
type Plan struct {
	// Rows in write order: engine track first, journal order.
	Rows []Row `json:"rows"`
	// Release is the engine release recorded with the rows ("" for none):
	// only when the engine track is complete after the repair and the
	// release is newer than the recorded one.
	Release         string `json:"release,omitempty"`
	PreviousRelease string `json:"previousRelease,omitempty"`
}

// Empty reports whether the plan writes nothing.
func (p *Plan) Empty() bool { return len(p.Rows) == 0 && p.Release == "" }

// PlanRepair turns a report into the rows to write: the push-gap
// migrations, nothing else. It returns a *PartialError (matching
// ErrPartial) when any track has a partly present migration, a
// *RenamedError (matching ErrRenamed) when a folder was renamed after its
// migration ran, and a *tracks.SameSecondError (matching
// tracks.ErrModified) when a folder of a shared second was edited after
// its migration ran: repair must then write nothing.
func PlanRepair(rep *Report, h *History, live *Live) (*Plan, error) {
	var partial []PartialMigration
	for _, t := range rep.Tracks {
		for _, m := range t.Migrations {
			if m.Status == StatusPartial {
				partial = append(partial, PartialMigration{Track: t.Track, MigrationReport: m})
			}
		}
	}
	if len(partial) > 0 {
		return nil, &PartialError{Migrations: partial}
	}
	var renamed []RenamedMigration
	var remedies []string
	for _, t := range rep.Tracks {
		for _, rn := range t.renamed {
			renamed = append(renamed, RenamedMigration{Track: t.Track, RenamedFolder: rn})
		}
		if t.RenamedRemedy != "" {
			remedies = append(remedies, t.Track+" track: "+t.RenamedRemedy)
		}
	}
	if len(renamed) > 0 {
		return nil, &RenamedError{Migrations: renamed, Remedy: strings.Join(remedies, "; ")}
	}
	for _, t := range rep.Tracks {
		if t.edited != nil {
			// Its objects are present because it ran: stamping it would
			// record it a second time, under its edited file.
			return nil, fmt.Errorf("drift: refusing to repair, nothing written: %w", t.edited)
		}
	}
	p := &Plan{Rows: []Row{}}
	for ti, t := range h.Tracks {
		tr := rep.Tracks[ti]
		complete := true
		for _, m := range tr.Migrations {
			switch m.Status {
			case StatusPushGap:
				r := Row{Track: t.Name, Ledger: t.Ledger.String(), Tag: m.Tag, Hash: m.Hash, CreatedAt: m.When}
				if t.Journal.Layout == journal.LayoutFolders {
					r.Name = m.Tag // a 1.0 migration's tag is its folder name
				}
				p.Rows = append(p.Rows, r)
			case StatusApplied, StatusMissing:
			default:
				complete = false
			}
		}
		if t.Name != tracks.Engine || t.Release == "" || len(tr.PushGap) == 0 || !complete {
			continue
		}
		var recorded *ledger.Release
		if prev, had := live.Releases[tracks.Engine]; had {
			recorded = &prev
		}
		if !tracks.ShouldRecordRelease(t.Release, recorded) {
			continue
		}
		p.Release = t.Release
		if recorded != nil {
			p.PreviousRelease = recorded.Version
		}
	}
	return p, nil
}

// RepairOptions configure Repair.
type RepairOptions struct {
	// LockWait bounds the wait for the migration lock (15 minutes if 0).
	LockWait time.Duration
	// OnEvent receives lock events; may be nil.
	OnEvent func(tracks.Event)
	// ToolVersion is recorded with the engine release.
	ToolVersion string
}

// Repair writes want's rows. On conn (a dedicated session, see
// tracks.Connect) it takes the migration advisory lock, reads the ledgers
// and the live schema of the database at url again, classifies with h and
// plans again: a partly present migration gives a *PartialError, a folder
// renamed after it ran a *RenamedError, a plan
// that differs from want a *ChangedError, and nothing is written in either
// case. Otherwise it writes the rows (creating the ledger tables as drizzle
// does if needed) and the engine release in one transaction, and returns
// the report after the repair. A connection that fails with that COMMIT in
// flight gives a *CommitUnknownError: whether it committed is unknown.
func Repair(ctx context.Context, conn *pgx.Conn, url string, h *History, want *Plan, opts RepairOptions) (*Report, error) {
	var after *Report
	err := tracks.WithLock(ctx, conn, opts.LockWait, opts.OnEvent, func() error {
		live, err := ReadLive(ctx, conn, url, h.Tracks)
		if err != nil {
			return err
		}
		got, err := PlanRepair(Classify(h, live), h, live)
		if err != nil {
			return err
		}
		if !slices.Equal(got.Rows, want.Rows) || got.Release != want.Release {
			return &ChangedError{Want: want.Rows, Got: got.Rows}
		}
		if got.Empty() {
			after = Classify(h, live)
			return nil
		}
		if err := write(ctx, conn, h, live, got, opts); err != nil {
			return err
		}
		if live, err = ReadLive(ctx, conn, url, h.Tracks); err != nil {
			return err
		}
		after = Classify(h, live)
		return nil
	})
	return after, err
}

// write records p in one transaction. Each track's rows go through
// tracks.Record, behind the checks of migrate's own ledger writes: the
// session must still hold the migration lock, and no row of the same
// migration may have been committed since the re-check (a drizzle-orm
// migrator takes no lock). Either failure rolls everything back.
func write(ctx context.Context, conn *pgx.Conn, h *History, live *Live, p *Plan, opts RepairOptions) (rerr error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("drift: repair: begin: %w", err)
	}
	defer func() {
		if rerr != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	for ti, t := range h.Tracks {
		var migs []*journal.Migration
		for _, r := range p.Rows {
			if r.Track != t.Name {
				continue
			}
			m := migrationOf(t.Journal, r)
			if m == nil {
				return fmt.Errorf("drift: repair: %s track: no migration %s with hash %s", t.Name, r.Tag, r.Hash)
			}
			migs = append(migs, m)
		}
		if len(migs) == 0 {
			continue
		}
		// The ledger's own version; a new one is version 1 for a 1.0
		// folder, as drizzle-orm 1.0 creates it. Never add the name column
		// to a version-0 ledger: drizzle-orm 1.0 would skip its upgrade.
		version := live.Ledgers[ti].Version
		if !live.Ledgers[ti].Exists && t.Journal.Layout == journal.LayoutFolders {
			version = ledger.Version1
		}
		if !live.Ledgers[ti].Exists {
			if err := ledger.EnsureVersion(ctx, tx, t.Ledger, version); err != nil {
				return fmt.Errorf("drift: repair: %w", err)
			}
		}
		if err := tracks.Record(ctx, conn, t, migs, version); err != nil {
			if errors.Is(err, tracks.ErrRecordedElsewhere) {
				return fmt.Errorf("drift: repair: %w; the database changed since it was checked: rolled back, nothing written: run repair again", err)
			}
			return fmt.Errorf("drift: repair: %w; rolled back, nothing written", err)
		}
	}
	if p.Release != "" {
		if err := ledger.RecordRelease(ctx, tx, tracks.Engine, p.Release, opts.ToolVersion); err != nil {
			return fmt.Errorf("drift: repair: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		if tracks.CommitInDoubt(err) {
			return &CommitUnknownError{Rows: p.Rows, Release: p.Release, Err: err}
		}
		// The COMMIT was never sent, or the server answered it: rolled back.
		if ctx.Err() != nil {
			return fmt.Errorf("drift: repair: interrupted, rolled back: %w", errors.Join(ctx.Err(), err))
		}
		return fmt.Errorf("drift: repair: commit: %w", err)
	}
	return nil
}

// CommitUnknownError: the connection failed (it broke, or was closed after
// a cancel request the server left unanswered) while repair's COMMIT was in
// flight. The repair is one transaction: its rows, and the engine release
// with them, are either all written or none is, and only the database can
// say which: the status and drift show it. If none is, the repair can run
// again; if all are, there is nothing left to do. It matches
// tracks.ErrCommitUnknown and the connection error.
type CommitUnknownError struct {
	Rows    []Row  // the rows of the transaction
	Release string // the engine release recorded with them, "" for none
	Err     error  // the connection error
}

func (e *CommitUnknownError) Error() string {
	what := fmt.Sprintf("%d ledger row(s) (%s)", len(e.Rows), rowList(e.Rows))
	if e.Release != "" {
		what += " and engine release " + e.Release
	}
	return fmt.Sprintf("drift: repair: the connection failed while committing %s (%v); "+
		"whether the server committed is unknown: they are either all written or none is. "+
		"Check the status or drift to see which, then run repair again if the migrations are still not recorded",
		what, e.Err)
}

func (e *CommitUnknownError) Unwrap() []error { return []error{tracks.ErrCommitUnknown, e.Err} }

// rowList names rows by track and tag, the first and last of a long run.
func rowList(rows []Row) string {
	name := func(r Row) string { return r.Track + " " + r.Tag }
	if len(rows) > 4 {
		return name(rows[0]) + " … " + name(rows[len(rows)-1])
	}
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = name(r)
	}
	return strings.Join(s, ", ")
}

// migrationOf is the migration of j that r records (its tag, hash and
// when), or nil.
func migrationOf(j *journal.Journal, r Row) *journal.Migration {
	for _, m := range j.Migrations {
		if m.Tag == r.Tag && m.Hash == r.Hash && m.When == r.CreatedAt {
			return m
		}
	}
	return nil
}
