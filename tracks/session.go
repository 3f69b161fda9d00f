package tracks

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/hogsend/hogsend-db/internal/dsn"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/internal/sqllex"
)

// ApplicationName identifies hogsend-db sessions in pg_stat_activity.
const ApplicationName = "hogsend-db"

// Session configures the dedicated connection Apply runs on.
type Session struct {
	LockTimeout      time.Duration // lock_timeout for every statement (default 10s)
	StatementTimeout time.Duration // statement_timeout (default 15m)
	ConnectTimeout   time.Duration // default 10s
}

// Connect opens the dedicated session migrations run on. The timeouts are
// startup parameters, so they cost no extra round trip. Cancelling a
// context passed to the returned connection sends PostgreSQL a cancel
// request and keeps the session usable, so Apply can roll back and unlock
// after Ctrl-C.
//
// The advisory lock is a session lock: connect directly or through a
// session-pooling proxy, never a transaction-pooling one (PgBouncer
// pool_mode=transaction).
func Connect(ctx context.Context, url string, s Session) (*pgx.Conn, error) {
	cfg, err := ConnConfig(url, s)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	return conn, nil
}

// ConnConfig is the configuration Connect uses, for callers that need to
// adjust it (a benchmark recording the socket, say) and connect themselves.
func ConnConfig(url string, s Session) (*pgx.ConnConfig, error) {
	if err := dsn.Check(url); err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", redact.ConfigError(url, err))
	}
	if s.LockTimeout == 0 {
		s.LockTimeout = 10 * time.Second
	}
	if s.StatementTimeout == 0 {
		s.StatementTimeout = 15 * time.Minute
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout = 10 * time.Second
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > s.ConnectTimeout {
		cfg.ConnectTimeout = s.ConnectTimeout
	}
	cfg.RuntimeParams["application_name"] = ApplicationName
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(s.LockTimeout.Milliseconds(), 10)
	cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(s.StatementTimeout.Milliseconds(), 10)
	// The server reads strings as the up-front check did, whatever the
	// server's, database's or role's default.
	sqllex.Pin(cfg.RuntimeParams)
	// One round trip per query: a migrate session runs each statement a
	// few times at most, so the statement cache's extra describe round trip
	// on first use would cost more than it saves.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	// COPY ... FROM STDIN is answered with CopyFail instead of hanging.
	cfg.BuildFrontend = buildFrontend
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	return cfg, nil
}
