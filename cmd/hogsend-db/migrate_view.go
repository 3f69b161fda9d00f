package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hogsend/hogsend-db/tracks"
)

// slowStatement is how long a statement runs before migrate says so.
const slowStatement = 2 * time.Second

// migrateView renders migrate's events on stderr for people: each
// migration with its statement count and time, "ran" for a migration
// whose transaction has not committed yet and "applied" once it has, and
// a line for a statement running longer than slowStatement: redrawn in
// place on a terminal, printed plainly (once, then every 30 s) elsewhere.
type migrateView struct {
	s    *streams
	live bool // stderr is a terminal: the slow-statement line is redrawn in place

	mu      sync.Mutex
	cur     *tracks.StatementStarted // the running statement, nil between statements
	curAt   time.Time
	drawn   bool          // a live line is on screen
	noted   time.Duration // plain mode: the last elapsed time reported
	ran     map[string]bool
	stop    chan struct{}
	stopped sync.WaitGroup
}

func newMigrateView(s *streams) *migrateView {
	v := &migrateView{s: s, live: s.errTerm, ran: map[string]bool{}, stop: make(chan struct{})}
	v.stopped.Add(1)
	go v.tick()
	return v
}

// close stops the ticker and clears a live line.
func (v *migrateView) close() {
	close(v.stop)
	v.stopped.Wait()
	v.mu.Lock()
	v.clear()
	v.mu.Unlock()
}

func (v *migrateView) tick() {
	defer v.stopped.Done()
	every := time.Second
	if v.live {
		every = 100 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-v.stop:
			return
		case <-t.C:
			v.mu.Lock()
			v.slow(time.Since(v.curAt))
			v.mu.Unlock()
		}
	}
}

// slow reports the running statement once it has run past slowStatement.
func (v *migrateView) slow(elapsed time.Duration) {
	if v.cur == nil || elapsed < slowStatement {
		return
	}
	where := fmt.Sprintf("%s/%s:%d (statement %d)", v.cur.Track, v.cur.File, v.cur.Line, v.cur.Statement)
	if v.live {
		fmt.Fprintf(v.s.err, "\r\x1b[K%s: running %s %s", v.cur.Track, where, fmtDuration(elapsed))
		v.drawn = true
		return
	}
	if v.noted == 0 || elapsed-v.noted >= 30*time.Second {
		v.noted = elapsed
		fmt.Fprintf(v.s.err, "%s: still running %s after %s\n", v.cur.Track, where, fmtDuration(elapsed.Truncate(time.Second)))
	}
}

// clear removes the live line; v.mu is held.
func (v *migrateView) clear() {
	if v.drawn {
		fmt.Fprint(v.s.err, "\r\x1b[K")
		v.drawn = false
	}
}

func (v *migrateView) on(e tracks.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e := e.(type) {
	case tracks.StatementStarted:
		v.clear()
		v.cur, v.curAt, v.noted = &e, time.Now(), 0
		return
	case tracks.MigrationRan:
		v.clear()
		v.cur = nil
		v.ran[e.Track+"/"+e.Tag] = true
		v.s.note("%s: ran %s (%s, %s), not committed yet", e.Track, e.Tag, statements(e.Statements), fmtDuration(e.Duration))
	case tracks.MigrationApplied:
		v.clear()
		v.cur = nil
		if v.ran[e.Track+"/"+e.Tag] {
			// Its time and statements were on its "ran" line.
			v.s.note("%s: applied %s (committed)", e.Track, e.Tag)
			return
		}
		var parts []string
		if e.NoTransaction {
			parts = append(parts, "no transaction")
		}
		parts = append(parts, statements(e.Statements))
		if e.Duration > 0 {
			parts = append(parts, fmtDuration(e.Duration))
		}
		v.s.note("%s: applied %s (%s)", e.Track, e.Tag, strings.Join(parts, ", "))
	case tracks.Committed:
		if len(e.Tags) > 1 && v.ran[e.Track+"/"+e.Tags[0]] {
			v.s.note("%s: committed %d migrations in one transaction (%s)", e.Track, len(e.Tags), fmtDuration(e.Duration))
		}
	default:
		v.clear()
		renderEvent(v.s, e)
	}
}

func statements(n int) string {
	if n == 1 {
		return "1 statement"
	}
	return fmt.Sprintf("%d statements", n)
}

// fmtDuration is short and human: 840ms, 4.2s, 3m5s.
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return d.Round(time.Second).String()
	}
}
