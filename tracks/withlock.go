package tracks

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// WithLock runs fn while conn's session holds the migration advisory lock
// (LockKey), the lock Apply takes. It polls pg_try_advisory_lock outside any
// transaction for up to wait (15 minutes if wait <= 0), returning a
// *LockTimeoutError after that, and unlocks with a context that survives
// ctx's cancellation; if fn succeeded but unlocking failed, the error
// matches ErrUnlock. Lock events (LockWaiting, LockAcquired, LockNotHeld)
// go to onEvent, which may be nil. fn must use conn (or work that the lock
// serializes) and must not unlock it.
func WithLock(ctx context.Context, conn *pgx.Conn, wait time.Duration, onEvent func(Event), fn func() error) (err error) {
	if wait <= 0 {
		wait = 15 * time.Minute
	}
	opts := &Options{LockWait: wait, OnEvent: onEvent}
	if err := acquire(ctx, conn, opts); err != nil {
		return err
	}
	defer unlock(ctx, conn, &err)
	return fn()
}
