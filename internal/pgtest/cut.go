package pgtest

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Cutter breaks a client's connections on a test's cue, to put a session in
// the place of one whose network failed. NewCutter wraps the config's
// dialer; RefuseDials makes every later dial fail, pgconn's cancel requests
// included (each dials a connection of its own), so the server never gets
// one; CloseConns closes the connections dialed so far under the client.
type Cutter struct {
	mu      sync.Mutex
	refused bool
	conns   []net.Conn
}

// NewCutter wraps cfg.DialFunc; connect with cfg afterwards.
func NewCutter(cfg *pgconn.Config) *Cutter {
	c := &Cutter{}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.refused {
			return nil, errors.New("pgtest: dial refused by the test")
		}
		conn, err := dial(ctx, network, addr)
		if err == nil {
			c.conns = append(c.conns, conn)
		}
		return conn, err
	}
	return c
}

// RefuseDials makes every later dial fail.
func (c *Cutter) RefuseDials() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused = true
}

// CloseConns closes the connections dialed so far.
func (c *Cutter) CloseConns() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		_ = conn.Close()
	}
}

// OnStatement calls cue once the server shows session pid running query
// (compared without case), as a test's cue to cut or cancel it mid-statement;
// it watches on a connection of its own until then or until ctx is done.
// wait returns once the watcher has stopped.
func (d *DB) OnStatement(ctx context.Context, t testing.TB, pid uint32, query string, cue func()) (wait func()) {
	t.Helper()
	watch := d.Conn(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			var q string
			err := watch.QueryRow(context.Background(), "select query from pg_stat_activity where pid = $1 and state = 'active'", pid).Scan(&q)
			if err == nil && strings.EqualFold(q, query) {
				cue()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { <-done }
}
