// Command bench measures hogsend-db against psql, a single simple-query
// message (the floor) and drizzle-orm's migrator, side by side on one
// PostgreSQL server, and prints a Markdown table of medians and ratios.
//
//	go run ./bench                       # the whole harness, a few minutes
//	go run ./bench -quick                # fewer runs, for a smoke test
//	go run ./bench -out docs/bench.md    # also write the table to a file
//
// See bench/README.md for what each row means.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hogsend/hogsend-db/bench/corpus"
)

const defaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

type config struct {
	url        string
	runs       int   // cold migrate runs per variant
	noopRuns   int   // no-op / status runs per variant
	scale      []int // migration counts of the scale test
	scaleRuns  []int // runs per count
	flights    int   // runs of the round-trip breakdown
	drizzle    bool
	guardBench bool
	guardRuns  int // go test processes (rounds) of guard's benchmarks
	drift      bool
	driftRuns  int
	cpuprofile string
	out        string
	only       map[string]bool // sections to run; empty: all
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	h, err := setup(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	defer h.close()
	if err := h.all(ctx); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	doc := h.doc.String()
	fmt.Fprint(stdout, doc)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(doc), 0o644); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	env := os.Getenv("HOGSEND_BENCH_URL")
	if env == "" {
		env = defaultURL
	}
	fs.StringVar(&cfg.url, "url", env, "server URL (a role that may CREATE DATABASE); env HOGSEND_BENCH_URL")
	fs.IntVar(&cfg.runs, "runs", 11, "cold-migrate runs per variant (each on a fresh database)")
	fs.IntVar(&cfg.noopRuns, "noop-runs", 31, "no-op migrate / status runs per variant")
	scale := fs.String("scale", "100,300,1000", "migration counts of the scale test")
	scaleRuns := fs.String("scale-runs", "5,3,3", "runs per scale count")
	fs.IntVar(&cfg.flights, "flights", 9, "runs of the round-trip breakdown")
	fs.BoolVar(&cfg.drizzle, "drizzle", true, "include drizzle-orm (needs node and testdata/drizzle/node_modules)")
	fs.BoolVar(&cfg.guardBench, "guard", true, "run guard's BenchmarkCheck/BenchmarkSelect1 if they exist")
	fs.IntVar(&cfg.guardRuns, "guard-runs", 7, "rounds of guard's benchmarks (one go test process each, about 5 s)")
	fs.BoolVar(&cfg.drift, "drift", true, "time hogsend-db drift if it is implemented")
	fs.IntVar(&cfg.driftRuns, "drift-runs", 2, "hogsend-db drift runs per corpus")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of in-process cold migrates to this file and print its top")
	fs.StringVar(&cfg.out, "out", "", "also write the Markdown report to this file")
	only := fs.String("only", "", "comma-separated sections to run: cold, breakdown, noop, scale, guard, drift (default all)")
	quick := fs.Bool("quick", false, "few runs (smoke test; figures are noisy)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.only = map[string]bool{}
	for _, o := range strings.Split(*only, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.only[o] = true
		}
	}
	if cfg.guardRuns < 1 {
		err := fmt.Errorf("bench: -guard-runs %d is not a positive count", cfg.guardRuns)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	var err error
	if cfg.scale, err = ints(*scale); err != nil {
		return cfg, err
	}
	if cfg.scaleRuns, err = ints(*scaleRuns); err != nil {
		return cfg, err
	}
	for len(cfg.scaleRuns) < len(cfg.scale) {
		cfg.scaleRuns = append(cfg.scaleRuns, cfg.scaleRuns[len(cfg.scaleRuns)-1])
	}
	if *quick {
		cfg.runs, cfg.noopRuns, cfg.flights, cfg.driftRuns, cfg.guardRuns = 3, 5, 3, 1, 2
		for i := range cfg.scaleRuns {
			cfg.scaleRuns[i] = 1
		}
	}
	return cfg, nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bench: %q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// harness is one benchmark run's state.
type harness struct {
	cfg     config
	root    string // the module root
	tmp     string
	hdb     string // the built hogsend-db binary
	srv     *server
	history *corpus.Corpus
	histDir string
	script  string // the history's statements as one file (psql -f)
	doc     bytes.Buffer
	log     io.Writer
	started time.Time
	load0   string // /proc/loadavg at the start
}

func setup(ctx context.Context, cfg config, log io.Writer) (*harness, error) {
	h := &harness{cfg: cfg, log: log, started: time.Now(), load0: loadavg()}
	var err error
	if h.root, err = moduleRoot(); err != nil {
		return nil, err
	}
	if h.tmp, err = os.MkdirTemp("", "hogsend-bench-"); err != nil {
		return nil, err
	}
	h.hdb = filepath.Join(h.tmp, "hogsend-db")
	h.progress("building hogsend-db")
	build := exec.CommandContext(ctx, "go", "build", "-o", h.hdb, "./cmd/hogsend-db")
	build.Dir, build.Stderr = h.root, log
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build hogsend-db: %w", err)
	}
	if cfg.drizzle {
		if _, err := os.Stat(filepath.Join(h.root, "testdata/drizzle/node_modules/drizzle-orm")); err != nil {
			h.progress("npm ci --prefix testdata/drizzle")
			npm := exec.CommandContext(ctx, "npm", "ci", "--prefix", "testdata/drizzle", "--no-audit", "--no-fund")
			npm.Dir, npm.Stdout, npm.Stderr = h.root, log, log
			if err := npm.Run(); err != nil {
				return nil, fmt.Errorf("npm ci (or pass -drizzle=false): %w", err)
			}
		}
	}
	h.history = corpus.History()
	h.histDir = filepath.Join(h.tmp, "history")
	if err := h.history.Write(h.histDir); err != nil {
		return nil, err
	}
	h.script = filepath.Join(h.tmp, "history.sql")
	if err := os.WriteFile(h.script, []byte(h.history.Script()), 0o644); err != nil {
		return nil, err
	}
	if h.srv, err = newServer(ctx, cfg.url); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *harness) close() {
	if h.srv != nil {
		h.srv.admin.Close(context.Background())
	}
	os.RemoveAll(h.tmp)
}

func (h *harness) progress(format string, args ...any) {
	fmt.Fprintf(h.log, "[%6.1fs] %s\n", time.Since(h.started).Seconds(), fmt.Sprintf(format, args...))
}

func (h *harness) printf(format string, args ...any) { fmt.Fprintf(&h.doc, format, args...) }

// loadavg is the 1, 5 and 15 minute load averages: other work on the host
// is the main source of noise.
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.Contains(data, []byte("module github.com/hogsend/hogsend-db")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the hogsend-db module")
		}
		dir = parent
	}
}

func (h *harness) all(ctx context.Context) error {
	h.machine(ctx)
	steps := []struct {
		key, name string
		f         func(context.Context) error
	}{
		{"cold", "cold migrate", h.cold},
		{"breakdown", "round-trip breakdown", h.breakdown},
		{"noop", "no-op migrate and status", h.noop},
		{"scale", "scale", h.scaleTest},
		{"guard", "guard.Check", h.guard},
		{"drift", "drift", h.driftTest},
	}
	for _, s := range steps {
		if len(h.cfg.only) > 0 && !h.cfg.only[s.key] {
			continue
		}
		h.progress("%s", s.name)
		if err := s.f(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	h.printf("\nWhole harness: %s. Load average at the end: %s (at the start: %s).\n",
		time.Since(h.started).Round(time.Second), loadavg(), h.load0)
	return nil
}

func (h *harness) machine(ctx context.Context) {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	pg, _ := scalar(ctx, h.cfg.url, "select split_part(version(), ' on ', 1)")
	node := "-"
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		node = strings.TrimSpace(string(out))
	}
	psql := "-"
	if out, err := exec.Command("psql", "--version").Output(); err == nil {
		psql = strings.TrimSpace(string(out))
	}
	kernel := "-"
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		kernel = strings.TrimSpace(string(out))
	}
	h.printf("# hogsend-db benchmarks\n\n")
	h.printf("Machine: %s, %d CPUs, %s; %s on the same host over TCP 127.0.0.1 (sslmode=disable); %s; %s; node %s. %s; load average %s.\n\n",
		cpu, runtime.NumCPU(), kernel, pg, runtime.Version(), psql, node, time.Now().UTC().Format("2006-01-02 15:04 UTC"), h.load0)
	h.printf("Corpus: %d migrations, %d tables, %d enums, %d statements (%d KiB of SQL), generated by bench/corpus.\n",
		len(h.history.Migrations), h.history.Tables, h.history.Enums, h.history.Statements(), len(h.history.Script())/1024)
	h.printf("Each figure is the median wall time of N runs; variants run interleaved, cold runs each on a fresh database (creation not timed).\n")
}
