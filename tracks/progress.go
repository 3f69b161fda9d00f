package tracks

import (
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/journal"
)

// flushSQL follows each statement's marker when Options.Progress is set.
// PostgreSQL buffers a message's results until the message completes or
// the buffer fills, but sends (and flushes) every NOTICE at once: the
// marker ahead of it reaches us as its statement finishes. A DO block
// fires no event trigger, takes no lock and writes nothing.
const flushSQL = "do $$begin raise notice 'hogsend-db: progress'; end$$;\n"

// progress turns the markers of one transaction message into
// StatementStarted and MigrationRan events and per-migration times.
type progress struct {
	opts   *Options
	track  string
	group  []*journal.Migration
	on     bool
	pieces []piece
	index  map[*journal.Migration]int
	start  time.Time // of the current migration's first statement
	times  []time.Duration
}

func newProgress(t Loaded, group []*journal.Migration, opts *Options) *progress {
	p := &progress{opts: opts, track: t.Name, group: group, on: opts.Progress && opts.OnEvent != nil,
		index: make(map[*journal.Migration]int, len(group)), times: make([]time.Duration, len(group))}
	for k, m := range group {
		p.index[m] = k
	}
	return p
}

// live reports whether the message should carry flushes.
func (p *progress) live() bool { return p.on }

// off drops the flushes for a retry (see noPlpgsql).
func (p *progress) off() { p.on = false }

func (p *progress) begin(pieces []piece) {
	p.pieces = pieces
	p.start = time.Now()
}

// marker handles marker n: statement n is done (-1: the message's
// preamble), so statement n+1 has started.
func (p *progress) marker(n int) {
	if !p.on {
		return
	}
	now := time.Now()
	if n >= 0 && n < len(p.pieces) {
		cur := p.pieces[n]
		if n+1 == len(p.pieces) || p.pieces[n+1].m != cur.m {
			k := p.index[cur.m]
			p.times[k] = now.Sub(p.start)
			if len(p.group) > 1 {
				p.opts.emit(MigrationRan{Track: p.track, Tag: cur.m.Tag, Statements: statementCount(cur.m), Duration: p.times[k]})
			}
		}
	}
	if n+1 >= 0 && n+1 < len(p.pieces) {
		next := p.pieces[n+1]
		if n >= 0 && p.pieces[n].m != next.m {
			p.start = now
		}
		if !next.st.Blank() {
			p.opts.emit(StatementStarted{Track: p.track, Tag: next.m.Tag, File: next.m.File, Statement: next.st.Index + 1, Line: next.st.Line})
		}
	}
}

// took is the time group[k]'s statements took (0 when not measured).
func (p *progress) took(k int) time.Duration { return p.times[k] }

// noPlpgsql reports a failure of the progress flush itself: a database
// without the plpgsql language (dropped by hand; it is installed by
// default). The whole transaction rolled back, so the group is retried
// without flushes.
func noPlpgsql(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42704" && strings.Contains(pg.Message, "plpgsql")
}

// statementCount counts a migration's non-blank statements.
func statementCount(m *journal.Migration) int {
	n := 0
	for _, st := range m.Statements() {
		if !st.Blank() {
			n++
		}
	}
	return n
}
