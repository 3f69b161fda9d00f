package tracks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// holdLock takes the migration lock on a separate session and returns its pid.
func holdLock(t *testing.T, db *pgtest.DB) (pid int32, unlock func()) {
	t.Helper()
	c := db.Conn(t)
	if _, err := c.Exec(context.Background(), "select pg_advisory_lock($1)", tracks.LockKey); err != nil {
		t.Fatal(err)
	}
	return backendPID(t, c), func() {
		if _, err := c.Exec(context.Background(), "select pg_advisory_unlock($1)", tracks.LockKey); err != nil {
			t.Error(err)
		}
	}
}

func TestApplyLockTimeout(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	// The same key held in another database of the server is not ours and
	// must not be reported as the holder.
	other := pgtest.New(t)
	holdLock(t, other)
	pid, _ := holdLock(t, db)

	rec := &recorder{}
	start := time.Now()
	res, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(three...))},
		tracks.Options{LockWait: 300 * time.Millisecond, OnEvent: rec.on})
	waited := time.Since(start)
	var le *tracks.LockTimeoutError
	if !errors.As(err, &le) || !errors.Is(err, tracks.ErrLockTimeout) {
		t.Fatalf("err = %v, want *LockTimeoutError", err)
	}
	if le.Holder == nil || le.Holder.PID != pid || le.Holder.Since.IsZero() {
		t.Errorf("holder = %+v, want pid %d", le.Holder, pid)
	}
	// The remedy is ready to paste at 3 a.m.: the holder's pid, not "pid".
	if want := fmt.Sprintf("SELECT pg_terminate_backend(%d)", pid); !strings.Contains(err.Error(), want) {
		t.Errorf("message lacks %q: %v", want, err)
	}
	if le.Waited < 300*time.Millisecond || waited > 5*time.Second {
		t.Errorf("waited %v (reported %v), want about 300ms", waited, le.Waited)
	}
	ws := eventsOf[tracks.LockWaiting](rec)
	if len(ws) != 1 || ws[0].Holder == nil || ws[0].Holder.PID != pid {
		t.Errorf("LockWaiting events = %+v, want one naming pid %d", ws, pid)
	}
	if res != nil && len(res.Applied) != 0 {
		t.Errorf("applied %v", res.Applied)
	}
	if got := rowsOf(t, db, ledger.ClientTable); got != nil || schemaExists(t, db, "drizzle") {
		t.Errorf("ledger written without the lock: %v", got)
	}
}

// The Node implementation's lock (hold-lock.mjs, as hogsend-node-migrate)
// is the same lock.
func TestApplyWaitsForNodeLock(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	drizzletest.HoldLock(t, db.URL, tracks.LockKey)
	_, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(three...))},
		tracks.Options{LockWait: 200 * time.Millisecond})
	var le *tracks.LockTimeoutError
	if !errors.As(err, &le) || le.Holder == nil || le.Holder.ApplicationName != "hogsend-node-migrate" {
		t.Fatalf("err = %v, holder %+v", err, le)
	}
}

// Released while Apply waits: Apply proceeds.
func TestApplyLockReleasedWhileWaiting(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	pid, unlock := holdLock(t, db)
	rec := &recorder{notify: make(chan tracks.Event, 16)}
	done := make(chan error, 1)
	var res *tracks.Result
	conn := connect(t, db)
	ts := []tracks.Loaded{client(t, folder(three...))}
	go func() {
		var err error
		res, err = tracks.Apply(ctxT(t), conn, ts, tracks.Options{LockWait: time.Minute, OnEvent: rec.on})
		done <- err
	}()
	w := waitFor(t, rec, done, 30*time.Second, func(tracks.LockWaiting) bool { return true })
	if w.Holder == nil || w.Holder.PID != pid {
		t.Errorf("waiting on %+v, want pid %d", w.Holder, pid)
	}
	time.Sleep(100 * time.Millisecond) // let it poll more than once
	unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Apply did not proceed after the lock was released")
	}
	if !res.Locked || len(res.Applied[tracks.Client]) != 3 {
		t.Errorf("locked %v applied %v", res.Locked, res.Applied)
	}
	if n := len(eventsOf[tracks.LockWaiting](rec)); n != 1 {
		t.Errorf("%d LockWaiting events, want 1", n)
	}
	if got := eventsOf[tracks.LockAcquired](rec); len(got) != 1 || got[0].Waited < 100*time.Millisecond {
		t.Errorf("LockAcquired %+v", got)
	}
}

// Replicas racing: every migration runs exactly once and both succeed.
func TestApplyConcurrent(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	var ms []mig
	for i := range 20 {
		sql := "CREATE TABLE c" + string(rune('a'+i)) + " (id int);"
		if i == 0 {
			sql += "\n--> statement-breakpoint\nSELECT pg_sleep(0.3);"
		}
		ms = append(ms, mig{tag: "00" + string(rune('a'+i)) + "_c", when: int64(1700000000000 + i), sql: sql})
	}
	const n = 3
	results := make([]*tracks.Result, n)
	errs := make([]error, n)
	conns := make([]*tracks.Loaded, n)
	_ = conns
	var wg sync.WaitGroup
	for i := range n {
		conn := connect(t, db)
		ts := []tracks.Loaded{client(t, folder(ms...))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = tracks.Apply(ctxT(t), conn, ts, tracks.Options{LockWait: time.Minute})
		}()
	}
	wg.Wait()
	total := map[string]int{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Apply %d: %v", i, errs[i])
		}
		for _, tag := range results[i].Applied[tracks.Client] {
			total[tag]++
		}
		if !results[i].Report.Track(tracks.Client).InSync {
			t.Errorf("Apply %d: not in sync afterwards", i)
		}
	}
	for _, m := range ms {
		if total[m.tag] != 1 {
			t.Errorf("%s applied %d times", m.tag, total[m.tag])
		}
	}
	if got := rowsOf(t, db, ledger.ClientTable); len(got) != len(ms) {
		t.Errorf("%d ledger rows, want %d", len(got), len(ms))
	}
}

// Ctrl-C during a long statement: Apply returns promptly, the transaction
// is rolled back, the lock released and the session still usable.
func TestApplyCancel(t *testing.T) {
	t.Parallel()
	for _, mode := range []tracks.TxMode{tracks.TxTrack, tracks.TxMigration} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			conn := connect(t, db)
			ms := []mig{three[0], {"0001_sleep", 1700000000100, "CREATE TABLE t2 (id int);\n--> statement-breakpoint\nselect pg_sleep(30);"}, three[2]}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rec := &recorder{}
			time.AfterFunc(700*time.Millisecond, cancel)
			start := time.Now()
			_, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{Tx: mode, OnEvent: rec.on})
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Apply took %v after cancel", took)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if advisoryHeld(t, db) {
				t.Error("lock still held after cancel")
			}
			want := map[tracks.TxMode][]ledgerRow{tracks.TxTrack: nil, tracks.TxMigration: wantRows(three[0])}[mode]
			if got := rowsOf(t, db, ledger.ClientTable); !equalRows(got, want) {
				t.Errorf("ledger after cancel = %v, want %v", got, want)
			}
			wantTables := map[tracks.TxMode][]string{tracks.TxTrack: nil, tracks.TxMigration: {"t1"}}[mode]
			if got := tables(t, db); !equalStrings(got, wantTables) {
				t.Errorf("tables after cancel = %v, want %v", got, wantTables)
			}
			if conn.IsClosed() || conn.PgConn().TxStatus() != 'I' {
				t.Errorf("session closed=%v status=%q", conn.IsClosed(), conn.PgConn().TxStatus())
			}
			var one int
			if err := conn.QueryRow(context.Background(), "select 1").Scan(&one); err != nil {
				t.Errorf("session unusable after cancel: %v", err)
			}
		})
	}
}

func equalRows(a, b []ledgerRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWithLock(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	rec := &recorder{}
	ran := false
	err := tracks.WithLock(ctxT(t), conn, time.Second, rec.on, func() error {
		ran = true
		if !advisoryHeld(t, db) {
			t.Error("lock not held inside fn")
		}
		return errSentinel
	})
	if !ran || !errors.Is(err, errSentinel) {
		t.Errorf("ran %v err %v", ran, err)
	}
	if advisoryHeld(t, db) {
		t.Error("lock held after WithLock")
	}
	if len(eventsOf[tracks.LockAcquired](rec)) != 1 {
		t.Errorf("events %+v", rec.all())
	}
	pid, _ := holdLock(t, db)
	ran = false
	err = tracks.WithLock(ctxT(t), conn, 150*time.Millisecond, nil, func() error { ran = true; return nil })
	var le *tracks.LockTimeoutError
	if ran || !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != pid {
		t.Errorf("held elsewhere: ran %v err %v", ran, err)
	}
}

var errSentinel = errors.New("sentinel")

// An unlock that fails is reported (it was dropped): here an administrator
// terminates the session while fn runs, and fn itself succeeds.
func TestWithLockUnlockFails(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	pid := backendPID(t, conn)
	admin := db.Conn(t)
	err := tracks.WithLock(ctxT(t), conn, time.Second, nil, func() error {
		var ok bool
		if err := admin.QueryRow(ctxT(t), "select pg_terminate_backend($1, 5000)", pid).Scan(&ok); err != nil || !ok {
			t.Fatalf("terminate: %v %v", ok, err)
		}
		return nil
	})
	if !errors.Is(err, tracks.ErrUnlock) {
		t.Fatalf("err = %v, want ErrUnlock", err)
	}
	// The first error wins: fn's error is returned, not the unlock's.
	conn2 := connect(t, db)
	pid2 := backendPID(t, conn2)
	err = tracks.WithLock(ctxT(t), conn2, time.Second, nil, func() error {
		if _, err := admin.Exec(ctxT(t), "select pg_terminate_backend($1, 5000)", pid2); err != nil {
			t.Fatal(err)
		}
		return errSentinel
	})
	if !errors.Is(err, errSentinel) || errors.Is(err, tracks.ErrUnlock) {
		t.Errorf("err = %v, want only fn's error", err)
	}
}
