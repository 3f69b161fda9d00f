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
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/internal/dsn"
	"github.com/hogsend/hogsend-db/internal/redact"
)

// Prefix starts the name of every scratch database.
const Prefix = "hogsend_scratch_"

// DropTimeout bounds dropping one scratch database. The drop runs on a
// context detached from the caller's, so that it still happens after the
// caller's context is cancelled.
const DropTimeout = 15 * time.Second

// ErrNoCreateDB is returned by Create when the dev role lacks CREATEDB.
var ErrNoCreateDB = errors.New("scratch: the role cannot create scratch databases; pass --dev-url (or HOGSEND_DEV_URL) pointing at a server/role that can")

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
	adminURL, err := maintenanceURL(devURL)
	if err != nil {
		return nil, fmt.Errorf("scratch: dev url %s: %w", redact.URL(devURL), err)
	}
	conn, err := connect(ctx, adminURL)
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

// drop runs DROP DATABASE; s.mu is held.
func (s *Server) drop(ctx context.Context, name string) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DropTimeout)
	defer cancel()
	stmt := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
	var err error
	// A cancelled query closes the admin connection; reconnect once.
	for attempt := 0; attempt < 2; attempt++ {
		var conn *pgx.Conn
		if conn, err = s.adminConn(dctx); err != nil {
			continue
		}
		if _, err = conn.Exec(dctx, stmt); err == nil {
			return nil
		}
		if !conn.IsClosed() {
			break
		}
	}
	return fmt.Errorf("scratch: drop database %s: %w", name, redact.Error(err, s.adminURL))
}

// adminConn returns the admin connection, reconnecting if it was closed
// (pgx closes a connection whose query was cancelled); s.mu is held.
func (s *Server) adminConn(ctx context.Context) (*pgx.Conn, error) {
	if s.admin != nil && !s.admin.IsClosed() {
		return s.admin, nil
	}
	conn, err := connect(ctx, s.adminURL)
	if err != nil {
		return nil, err
	}
	s.admin = conn
	return conn, nil
}

// connect opens a pgx connection; its error is redacted.
// defaultConnectTimeout bounds connecting to the dev server.
const defaultConnectTimeout = 10 * time.Second

func connect(ctx context.Context, connString string, configure ...func(*pgx.ConnConfig)) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("scratch: parse %s: %w", redact.URL(connString), redact.Error(err, connString))
	}
	if cfg.ConnectTimeout == 0 {
		// An unreachable dev server fails in seconds, not at the OS's TCP
		// timeout; connect_timeout in the URL overrides this.
		cfg.ConnectTimeout = defaultConnectTimeout
	}
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
