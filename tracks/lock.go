package tracks

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// holderSQL finds the session holding the lock. Advisory locks belong to a
// database: the same key held in another database of the server is
// another lock.
const holderSQL = `select a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), ''),
  coalesce(a.xact_start, a.backend_start), coalesce(left(a.query, 200), '')
from pg_catalog.pg_locks l join pg_catalog.pg_stat_activity a on a.pid = l.pid
where l.locktype = 'advisory' and l.granted
  and l.database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())
  and l.classid = ($1::bigint >> 32)::oid
  and l.objid = ($1::bigint & 4294967295)::oid and l.objsubid = 1
limit 1`

// acquire polls pg_try_advisory_lock outside any transaction. Waiting in
// pg_advisory_lock instead would hold a snapshot-less but lock-queued
// session that can deadlock with a concurrent CREATE INDEX CONCURRENTLY.
func acquire(ctx context.Context, conn *pgx.Conn, opts *Options) error {
	start := time.Now()
	deadline := start.Add(opts.LockWait)
	interval := 25 * time.Millisecond
	reported := false
	for {
		var ok bool
		if err := conn.QueryRow(ctx, "select pg_try_advisory_lock($1)", LockKey).Scan(&ok); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("tracks: waiting for the migration lock: %w", ctx.Err())
			}
			return fmt.Errorf("tracks: take the migration lock: %w", err)
		}
		if ok {
			opts.emit(LockAcquired{Waited: time.Since(start)})
			var held bool
			if err := conn.QueryRow(ctx, `select exists(select 1 from pg_catalog.pg_locks where locktype = 'advisory'
				and pid = pg_backend_pid() and granted and classid = ($1::bigint >> 32)::oid
				and objid = ($1::bigint & 4294967295)::oid and objsubid = 1)`, LockKey).Scan(&held); err == nil && !held {
				opts.emit(LockNotHeld{Holder: holder(ctx, conn)})
			}
			return nil
		}
		if !reported {
			reported = true
			opts.emit(LockWaiting{Holder: holder(ctx, conn)})
		}
		now := time.Now()
		if !now.Before(deadline) {
			return &LockTimeoutError{Waited: now.Sub(start), Holder: holder(ctx, conn)}
		}
		wait := min(interval, deadline.Sub(now))
		select {
		case <-ctx.Done():
			return fmt.Errorf("tracks: waiting for the migration lock: %w", ctx.Err())
		case <-time.After(wait):
		}
		interval = min(interval*2, time.Second)
	}
}

// holder finds who holds the lock; nil if it cannot tell (the lock was just
// released, or the role cannot see other sessions).
func holder(ctx context.Context, conn *pgx.Conn) *LockHolder {
	var h LockHolder
	err := conn.QueryRow(ctx, holderSQL, LockKey).Scan(&h.PID, &h.ApplicationName, &h.ClientAddr, &h.Since, &h.Query)
	if err != nil {
		return nil
	}
	return &h
}

// release unlocks with a context that survives the caller's cancellation.
// If the session is gone, PostgreSQL has released the lock already.
func release(ctx context.Context, conn *pgx.Conn) {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _ = conn.Exec(c, "select pg_advisory_unlock($1)", LockKey)
}
