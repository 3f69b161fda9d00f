package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// flight is one round trip seen on the wire: everything the client wrote
// before it next read, and everything it read until it wrote again.
type flight struct {
	label    string
	start    time.Time // first byte written
	end      time.Time // last byte read
	out, in  int       // bytes
	messages int       // frontend messages in the flight
}

func (f flight) dur() time.Duration { return f.end.Sub(f.start) }

// recorder collects the flights of one connection.
type recorder struct {
	mu      sync.Mutex
	flights []flight
	reading bool
	dialed  time.Duration // TCP connect, before the first flight
}

// dial wraps net.Dialer so every connection reports to r.
func (r *recorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	start := time.Now()
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.dialed += time.Since(start)
	r.mu.Unlock()
	return &recConn{Conn: c, r: r}, nil
}

type recConn struct {
	net.Conn
	r *recorder
}

var _ net.Conn = (*recConn)(nil)

func (c *recConn) Write(p []byte) (int, error) {
	c.r.mu.Lock()
	now := time.Now()
	if c.r.reading || len(c.r.flights) == 0 {
		c.r.flights = append(c.r.flights, flight{label: describe(p), start: now, end: now})
		c.r.reading = false
	}
	f := &c.r.flights[len(c.r.flights)-1]
	f.out += len(p)
	f.messages += countMessages(p)
	c.r.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.r.mu.Lock()
	if len(c.r.flights) > 0 && n > 0 {
		f := &c.r.flights[len(c.r.flights)-1]
		f.in += n
		f.end = time.Now()
		c.r.reading = true
	}
	c.r.mu.Unlock()
	return n, err
}

// describe names a flight by its first frontend message: the startup
// packet, a simple query's text, or a Parse's statement text.
func describe(p []byte) string {
	if len(p) >= 8 && p[0] == 0 {
		return "connect: startup packet"
	}
	if len(p) < 5 {
		return "?"
	}
	kinds := []string{}
	text := ""
	for off := 0; off+5 <= len(p); {
		typ := p[off]
		n := int(binary.BigEndian.Uint32(p[off+1 : off+5]))
		if n < 4 {
			break
		}
		body := p[off+5 : min(off+1+n, len(p))]
		switch typ {
		case 'Q':
			kinds = append(kinds, "Query")
			if text == "" {
				text = cstring(body)
			}
		case 'P':
			kinds = append(kinds, "Parse")
			if text == "" {
				if i := bytes.IndexByte(body, 0); i >= 0 {
					text = cstring(body[i+1:])
				}
			}
		case 'B':
			kinds = append(kinds, "Bind")
		case 'E':
			kinds = append(kinds, "Execute")
		case 'D':
			kinds = append(kinds, "Describe")
		case 'S':
			kinds = append(kinds, "Sync")
		case 'p':
			kinds = append(kinds, "auth")
		case 'X':
			kinds = append(kinds, "Terminate")
		default:
			kinds = append(kinds, string(typ))
		}
		off += 1 + n
	}
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 60 {
		text = text[:57] + "..."
	}
	k := compact(kinds)
	if text != "" {
		return fmt.Sprintf("%s: %s", k, text)
	}
	return k
}

// compact turns [Bind Execute Bind Execute Sync] into "2×(Bind Execute) Sync"
// only roughly: it counts each kind.
func compact(kinds []string) string {
	var order []string
	count := map[string]int{}
	for _, k := range kinds {
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	parts := make([]string, len(order))
	for i, k := range order {
		if count[k] > 1 {
			parts[i] = fmt.Sprintf("%d×%s", count[k], k)
		} else {
			parts[i] = k
		}
	}
	return strings.Join(parts, "+")
}

func countMessages(p []byte) int {
	if len(p) >= 8 && p[0] == 0 {
		return 1
	}
	n := 0
	for off := 0; off+5 <= len(p); n++ {
		l := int(binary.BigEndian.Uint32(p[off+1 : off+5]))
		if l < 4 {
			break
		}
		off += 1 + l
	}
	return n
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}
