// Package scratch makes temporary databases on a "dev" PostgreSQL server:
// created empty from template0, always dropped, even after Ctrl-C.
//
// Desired-state and replay work need a database nobody else uses; scratch
// gives each run a fresh one rather than resetting a shared one, because a
// reset leaves behind objects the inspection cannot see.
package scratch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/internal/dsn"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/internal/sqllex"
)

// Prefix starts the name of every scratch database.
const Prefix = "hogsend_scratch_"

// DropTimeout bounds one attempt at dropping a scratch database. Each
// attempt runs on a fresh context detached from the caller's, so that the
// drop still happens after the caller's context is cancelled, and a retry
// never inherits an expired deadline.
const DropTimeout = 15 * time.Second

// dropLockWait is the lock_timeout of the admin session: a DROP DATABASE
// that another session blocks (one holding a lock on the database, e.g. an
// open transaction that commented on it) fails after this long, on a
// session that stays usable for the retry and for naming the blocker.
const dropLockWait = 3 * time.Second

// Session is a server session, as pg_stat_activity shows it.
type Session struct {
	PID             int32
	ApplicationName string
	User            string
	Database        string // the database it is connected to
}

func (s Session) String() string {
	app := s.ApplicationName
	if app == "" {
		app = "no application_name"
	}
	return fmt.Sprintf("pid %d (%s, user %s, connected to %s)", s.PID, app, s.User, s.Database)
}

// DropError: a scratch database could not be dropped and is left on the
// server. Blockers are the sessions connected to it or holding a lock on
// it; Statement is the exact statement that drops it once they are gone.
type DropError struct {
	Database  string
	Blockers  []Session
	Statement string
	Err       error
}

func (e *DropError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scratch: could not drop the scratch database %s, it is left on the server: %v", e.Database, e.Err)
	if len(e.Blockers) > 0 {
		names := make([]string, len(e.Blockers))
		for i, s := range e.Blockers {
			names[i] = s.String()
		}
		fmt.Fprintf(&b, "; blocked by %s", strings.Join(names, ", "))
	}
	fmt.Fprintf(&b, "; drop it with: %s", e.Statement)
	return b.String()
}

func (e *DropError) Unwrap() error { return e.Err }

// ErrNoCreateDB is returned by Create when the dev role lacks CREATEDB.
// The remedy is another server or role for scratch databases.
var ErrNoCreateDB = errors.New("scratch: the role cannot create scratch databases; use a server and role that can")

var errInvalidDSN = errors.New("scratch: invalid connection string")

// Server is a connection to the maintenance database of a dev server. It
// remembers the databases it created; Close drops those still there.
// A Server is safe for concurrent use.
type Server struct {
	adminURL string // devURL with the maintenance database

	mu    sync.Mutex
	admin *pgx.Conn
	dbs   map[string]*DB
}

// DB is one scratch database.
type DB struct {
	// Name is the database name, Prefix followed by random hex.
	Name string
	// URL connects to the database with the dev role. It holds the dev
	// URL's password: print it only through String.
	URL string

	srv *Server
}

// Open connects to the maintenance database of the server named by devURL
// (a URL or key=value DSN). The role, password, host and options are kept;
// the database named in devURL is used for the admin connection, postgres if
// none is named. Errors never contain the password.
func Open(ctx context.Context, devURL string) (*Server, error) {
	if err := dsn.Check(devURL); err != nil {
		return nil, fmt.Errorf("scratch: dev server: %w", err)
	}
	adminURL, err := maintenanceURL(devURL)
	if err != nil {
		return nil, fmt.Errorf("scratch: dev url %s: %w", redact.URL(devURL), err)
	}
	conn, err := connect(ctx, adminURL, adminSession)
	if err != nil {
		return nil, err
	}
	return &Server{adminURL: adminURL, admin: conn, dbs: map[string]*DB{}}, nil
}

func maintenanceURL(devURL string) (string, error) {
	_, db, err := withDatabase(devURL, "")
	if err != nil {
		return "", err
	}
	if db == "" {
		db = "postgres"
	}
	u, _, err := withDatabase(devURL, db)
	return u, err
}

// Create makes a new, empty scratch database (TEMPLATE template0). It returns
// an error wrapping ErrNoCreateDB when the role may not create databases.
func (s *Server) Create(ctx context.Context) (*DB, error) {
	name := Prefix + randomHex(8)
	dbURL, _, err := withDatabase(s.adminURL, name)
	if err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	conn, err := s.adminConn(ctx)
	if err != nil {
		return nil, err
	}
	// Remember the name before creating: if ctx is cancelled mid-statement
	// the database may exist anyway, and Close must still drop it.
	db := &DB{Name: name, URL: dbURL, srv: s}
	s.dbs[name] = db
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0")
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			delete(s.dbs, name) // the server refused: nothing was created
			if pgErr.Code == "42501" {
				return nil, fmt.Errorf("%w (%s)", ErrNoCreateDB, pgErr.Message)
			}
		}
		return nil, fmt.Errorf("scratch: create database %s: %w", name, redact.Error(err, s.adminURL))
	}
	return db, nil
}

// String returns the database URL with its password redacted.
func (d *DB) String() string { return redact.URL(d.URL) }

// Conn opens a new connection to the scratch database; the caller closes it.
// configure, if given, adjusts the parsed config first (e.g. OnNotice).
func (d *DB) Conn(ctx context.Context, configure ...func(*pgx.ConnConfig)) (*pgx.Conn, error) {
	return connect(ctx, d.URL, configure...)
}

// Drop drops the database WITH (FORCE), ending its sessions. It runs on a
// context detached from ctx (values kept, cancellation not) with its own
// DropTimeout, so a deferred Drop works after the caller was interrupted.
// Dropping twice is not an error.
func (d *DB) Drop(ctx context.Context) error {
	s := d.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.drop(ctx, d.Name); err != nil {
		return err
	}
	delete(s.dbs, d.Name)
	return nil
}

// Close drops every database created by s that was not dropped yet, then
// closes the admin connection. Like Drop it survives a cancelled ctx.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for name := range s.dbs {
		if err := s.drop(ctx, name); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(s.dbs, name)
	}
	if s.admin != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DropTimeout)
		defer cancel()
		if err := s.admin.Close(cctx); err != nil {
			errs = append(errs, fmt.Errorf("scratch: close admin connection: %w", err))
		}
		s.admin = nil
	}
	return errors.Join(errs...)
}

// drop runs DROP DATABASE; s.mu is held. A failed attempt (blocked past
// the lock_timeout, a closed connection) is retried once, on a fresh
// context and, if needed, a fresh connection; when the database still
// cannot be dropped the error names who blocks it and the statement to run.
func (s *Server) drop(ctx context.Context, name string) error {
	stmt := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		if err = s.dropOnce(ctx, stmt); err == nil {
			return nil
		}
	}
	return &DropError{Database: name, Blockers: s.blockers(ctx, name), Statement: stmt, Err: redact.Error(err, s.adminURL)}
}

func (s *Server) dropOnce(ctx context.Context, stmt string) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DropTimeout)
	defer cancel()
	conn, err := s.adminConn(dctx)
	if err != nil {
		return err
	}
	_, err = conn.Exec(dctx, stmt)
	return err
}

// blockersSQL lists the sessions connected to a database or holding a lock
// on it (other than this one).
const blockersSQL = `select a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), coalesce(a.datname::text, '')
from pg_catalog.pg_stat_activity a
where a.pid <> pg_backend_pid() and (a.datname = $1 or a.pid in (
  select l.pid from pg_catalog.pg_locks l join pg_catalog.pg_database d on l.objid = d.oid
  where l.locktype = 'object' and l.classid = 'pg_catalog.pg_database'::regclass and d.datname = $1))
order by a.pid`

// blockers is best effort: an empty list when the server cannot be asked.
func (s *Server) blockers(ctx context.Context, name string) []Session {
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DropTimeout)
	defer cancel()
	conn, err := s.adminConn(bctx)
	if err != nil {
		return nil
	}
	rows, err := conn.Query(bctx, blockersSQL, name)
	if err != nil {
		return nil
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Session, error) {
		var x Session
		err := r.Scan(&x.PID, &x.ApplicationName, &x.User, &x.Database)
		return x, err
	})
	if err != nil {
		return nil
	}
	return out
}

// adminConn returns the admin connection, reconnecting if it was closed
// (pgx closes a connection whose query was cancelled); s.mu is held.
func (s *Server) adminConn(ctx context.Context) (*pgx.Conn, error) {
	if s.admin != nil && !s.admin.IsClosed() {
		return s.admin, nil
	}
	conn, err := connect(ctx, s.adminURL, adminSession)
	if err != nil {
		return nil, err
	}
	s.admin = conn
	return conn, nil
}

// adminSession configures the admin session: DROP DATABASE gives up on a
// lock after dropLockWait instead of waiting for the context's deadline
// (which would cost the connection).
func adminSession(c *pgx.ConnConfig) {
	c.RuntimeParams["lock_timeout"] = strconv.FormatInt(dropLockWait.Milliseconds(), 10)
}

// connect opens a pgx connection; its error is redacted.
// defaultConnectTimeout bounds connecting to the dev server.
const defaultConnectTimeout = 10 * time.Second

func connect(ctx context.Context, connString string, configure ...func(*pgx.ConnConfig)) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("scratch: %w", redact.ConfigError(connString, err))
	}
	if cfg.ConnectTimeout == 0 {
		// An unreachable dev server fails in seconds, not at the OS's TCP
		// timeout; connect_timeout in the URL overrides this.
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	// Replayed migrations are read as the runner reads them.
	sqllex.Pin(cfg.RuntimeParams)
	for _, f := range configure {
		f(cfg)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("scratch: connect to %s: %w", redact.URL(connString), redact.Error(err, connString))
	}
	return conn, nil
}

// withDatabase returns conn (a URL or key=value DSN) with its database name
// replaced by name, and the database name conn had ("" if none).
func withDatabase(conn, name string) (string, string, error) {
	if dsn.IsURL(conn) {
		u, err := url.Parse(conn)
		if err != nil {
			return "", "", errInvalidDSN
		}
		old := strings.TrimPrefix(u.Path, "/")
		q := u.Query()
		if q.Has("dbname") {
			old = q.Get("dbname")
			q.Del("dbname")
			u.RawQuery = q.Encode()
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), old, nil
	}
	settings, err := dsn.Parse(conn)
	if err != nil {
		return "", "", errInvalidDSN
	}
	old := ""
	out := settings[:0]
	for _, kv := range settings {
		if kv.Key == "dbname" {
			old = kv.Value
			continue
		}
		out = append(out, kv)
	}
	out = append(out, dsn.Setting{Key: "dbname", Value: name})
	return dsn.Format(out), old, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("scratch: crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}
