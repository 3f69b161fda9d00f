package tracks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// lockKeyText is LockKey as a text bind parameter.
var lockKeyText = []byte(strconv.FormatInt(LockKey, 10))

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

// lockLostMark is in the error lockCheckSQL raises.
const lockLostMark = "hogsend-db: migration lock not held by this session"

// lockCheckSQL fails when this session no longer holds the migration lock
// ($1): a migration's SQL can release it (pg_advisory_unlock_all()). It
// rides in the pipeline that carries the ledger rows and COMMIT, so the
// check costs no round trip; its failure aborts the transaction, and the
// COMMIT after it then rolls back. The cast in the ELSE branch raises the
// error; it depends on pg_backend_pid(), so the planner cannot fold it.
const lockCheckSQL = `select case when exists(select 1 from pg_catalog.pg_locks where locktype = 'advisory'
	and pid = pg_catalog.pg_backend_pid() and granted and classid = ($1::bigint >> 32)::oid
	and objid = ($1::bigint & 4294967295)::oid and objsubid = 1)
then 0 else ('` + lockLostMark + ` (pid ' || pg_catalog.pg_backend_pid() || ')')::int end`

// isLockLost recognises lockCheckSQL's error.
func isLockLost(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "22P02" && strings.Contains(pg.Message, lockLostMark)
}

// recordedElsewhere recognises ledger.DuplicateGuardSQL's error and names
// the migrations of group it found recorded.
func recordedElsewhere(err error, group []*journal.Migration) ([]string, bool) {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "22P02" {
		return nil, false
	}
	_, list, ok := strings.Cut(pg.Message, ledger.RecordedMark)
	if !ok {
		return nil, false
	}
	seen := map[string]bool{}
	for _, c := range strings.Split(strings.TrimRight(list, `"`), ",") {
		seen[c] = true
	}
	var tags []string
	for _, m := range group {
		if seen[strconv.FormatInt(m.When, 10)] {
			tags = append(tags, m.Tag)
		}
	}
	if len(tags) == 0 { // cannot tell which: name them all
		tags = migrationTags(group)
	}
	return tags, true
}

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
				return fmt.Errorf("waiting for the migration lock: %w", ctx.Err())
			}
			return fmt.Errorf("take the migration lock: %w", err)
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
			return fmt.Errorf("waiting for the migration lock: %w", ctx.Err())
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

// ErrUnlock: the work under the migration lock finished, but unlocking
// failed (the session broke or timed out). What committed stays
// committed; PostgreSQL releases the lock when the session ends, which
// over a broken network can take until the server notices.
var ErrUnlock = errors.New("release the migration lock")

// release unlocks with a context that survives the caller's cancellation.
// Its error matches ErrUnlock.
func release(ctx context.Context, conn *pgx.Conn) error {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(c, "select pg_advisory_unlock($1)", LockKey); err != nil {
		return fmt.Errorf("%w: %w", ErrUnlock, err)
	}
	return nil
}

// unlock releases the lock and keeps the first error: an unlock failure
// is returned only when everything before it succeeded.
func unlock(ctx context.Context, conn *pgx.Conn, err *error) {
	if uerr := release(ctx, conn); *err == nil {
		*err = uerr
	}
}
