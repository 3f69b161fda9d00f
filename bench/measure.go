package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// sample is one timed run: wall time and, for a child process, the CPU
// time it used (user + system).
type sample struct {
	wall time.Duration
	cpu  time.Duration
}

// series is the samples of one variant.
type series struct {
	name    string
	samples []sample
}

func (s *series) median() time.Duration {
	return medianOf(s.samples, func(x sample) time.Duration { return x.wall })
}

func (s *series) medianCPU() time.Duration {
	return medianOf(s.samples, func(x sample) time.Duration { return x.cpu })
}

func (s *series) spread() (lo, hi time.Duration) {
	w := make([]time.Duration, len(s.samples))
	for i, x := range s.samples {
		w[i] = x.wall
	}
	slices.Sort(w)
	return w[0], w[len(w)-1]
}

func medianOf(xs []sample, f func(sample) time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	w := make([]time.Duration, len(xs))
	for i, x := range xs {
		w[i] = f(x)
	}
	slices.Sort(w)
	if len(w)%2 == 1 {
		return w[len(w)/2]
	}
	return (w[len(w)/2-1] + w[len(w)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Microsecond)) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// server creates and drops the benchmark's databases.
type server struct {
	base  *url.URL
	admin *pgx.Conn
	n     atomic.Int64
}

func newServer(ctx context.Context, raw string) (*server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bench: parse -url: %w", err)
	}
	admin, err := pgx.Connect(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("bench: connect to the server: %w", redactErr(err, raw))
	}
	return &server{base: u, admin: admin}, nil
}

// url is the base URL pointing at database name.
func (s *server) url(name string) string {
	u := *s.base
	u.Path = "/" + name
	return u.String()
}

// fresh creates an empty database (TEMPLATE template0) and returns its
// name and URL.
func (s *server) fresh(ctx context.Context) (string, string, error) {
	name := fmt.Sprintf("hsbench_%d_%d", os.Getpid(), s.n.Add(1))
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0"); err != nil {
		return "", "", fmt.Errorf("bench: create database: %w", err)
	}
	return name, s.url(name), nil
}

func (s *server) drop(ctx context.Context, name string) {
	_, _ = s.admin.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// scalar runs a one-value query on database dbURL.
func scalar(ctx context.Context, dbURL, sql string) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var v string
	err = conn.QueryRow(ctx, sql).Scan(&v)
	return v, err
}

// proc runs a child process to completion and times it end to end.
func proc(ctx context.Context, dir string, name string, args ...string) (sample, []byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return sample{}, out.Bytes(), fmt.Errorf("%s %s: %w: %s", name, firstArg(args), err, tail(errb.String()+out.String()))
	}
	return sample{wall: wall, cpu: cpu}, out.Bytes(), nil
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	return s
}

// redactErr keeps a URL's password out of messages.
func redactErr(err error, raw string) error {
	u, perr := url.Parse(raw)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}
