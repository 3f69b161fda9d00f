package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/bench/corpus"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/tracks"
)

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// readLedgersSQL is what a hand-written check would send: both ledgers,
// every row, one statement.
const readLedgersSQL = `select 'engine' as track, id, hash, created_at from drizzle.__drizzle_migrations
union all select 'client', id, hash, created_at from drizzle.__client_migrations order by 1, 2`

// noop times the commands CI and health probes run on an in-sync database
// (both tracks applied: the bundled engine track and the corpus).
func (h *harness) noop(ctx context.Context) error {
	name, dbURL, err := h.srv.fresh(ctx)
	if err != nil {
		return err
	}
	defer h.srv.drop(ctx, name)
	if _, _, err := proc(ctx, h.root, h.hdb, "migrate", "--dir", h.histDir, "--database-url", dbURL); err != nil {
		return redactErr(err, dbURL)
	}
	hdb := func(label string, args ...string) variant {
		return variant{name: label, run: func(ctx context.Context, _ string) (sample, error) {
			s, _, err := proc(ctx, h.root, h.hdb, append(args, "--dir", h.histDir, "--database-url", dbURL)...)
			return s, err
		}}
	}
	loaded, err := tracks.LoadAll(enginesrc.BundledTrack(), tracks.ClientTrack(h.histDir))
	if err != nil {
		return err
	}
	last := func(l tracks.Loaded) string { return l.Journal.Migrations[len(l.Journal.Migrations)-1].Tag }
	if err := writeSnapshot(ctx, dbURL, h.histDir, last(loaded[1]), last(loaded[0])); err != nil {
		return fmt.Errorf("write the corpus snapshot: %w", redactErr(err, dbURL))
	}
	conn, err := tracks.Connect(ctx, dbURL, tracks.Session{})
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	vs := []variant{
		hdb("hogsend-db migrate, nothing pending (process)", "migrate"),
		hdb("hogsend-db status --json, schema verified (process)", "status", "--json"),
		{name: "psql -c reading both ledgers", run: func(ctx context.Context, _ string) (sample, error) {
			s, _, err := proc(ctx, h.root, "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", dbURL, "-c", readLedgersSQL)
			return s, err
		}},
		{name: "hogsend-db version (process start only)", run: func(ctx context.Context, _ string) (sample, error) {
			s, _, err := proc(ctx, h.root, h.hdb, "version")
			return s, err
		}},
		{name: "in-process: load + connect + tracks.Verify", run: func(ctx context.Context, _ string) (sample, error) {
			start := time.Now()
			ls, err := tracks.LoadAll(enginesrc.BundledTrack(), tracks.ClientTrack(h.histDir))
			if err != nil {
				return sample{}, err
			}
			c, err := tracks.Connect(ctx, dbURL, tracks.Session{})
			if err != nil {
				return sample{}, err
			}
			rep, err := tracks.Verify(ctx, c, ls)
			c.Close(ctx)
			if err == nil && rep.Status != tracks.StatusHealthy {
				err = fmt.Errorf("status %s, want healthy", rep.Status)
			}
			for name, st := range rep.Schema {
				if err == nil && (st.SchemaCheck == nil || !st.SchemaCheck.Verified || len(st.SchemaCheck.Missing) > 0) {
					err = fmt.Errorf("%s schema not verified clean: %+v", name, st.SchemaCheck)
				}
			}
			return sample{wall: time.Since(start)}, err
		}},
		{name: "in-process: pgconn connect + the psql query", run: func(ctx context.Context, _ string) (sample, error) {
			start := time.Now()
			c, err := pgconn.Connect(ctx, dbURL)
			if err != nil {
				return sample{}, err
			}
			_, err = c.Exec(ctx, readLedgersSQL).ReadAll()
			c.Close(ctx)
			return sample{wall: time.Since(start)}, err
		}},
		{name: "in-process: tracks.Verify on an open connection", run: func(ctx context.Context, _ string) (sample, error) {
			start := time.Now()
			_, err := tracks.Verify(ctx, conn, loaded)
			return sample{wall: time.Since(start)}, err
		}},
	}
	res := make([]*series, len(vs))
	for i, v := range vs {
		res[i] = &series{name: v.name}
	}
	for r := range h.cfg.noopRuns {
		for k := range vs {
			i := (k + r) % len(vs)
			s, err := vs[i].run(ctx, dbURL)
			if err != nil {
				return fmt.Errorf("%s: %w", vs[i].name, redactErr(err, dbURL))
			}
			res[i].samples = append(res[i].samples, s)
		}
	}
	psql := res[2].median()
	h.printf("\n## 2. No-op migrate and status on an in-sync database (%d runs each)\n\n", h.cfg.noopRuns)
	h.printf("Both tracks applied: the bundled engine track (%d migrations) and the corpus as the client track.\n\n", len(loaded[0].Journal.Migrations))
	h.printf("| variant | median ms | min–max ms | child CPU ms | × psql |\n|---|--:|--:|--:|--:|\n")
	for _, s := range res {
		lo, hi := s.spread()
		cpu := "-"
		if s.medianCPU() > 0 {
			cpu = ms(s.medianCPU())
		}
		h.printf("| %s | %s | %s–%s | %s | %.2f |\n", s.name, ms(s.median()), ms(lo), ms(hi), cpu, ratio(s.median(), psql))
	}
	h.printf("\nTargets (≤ 1.5× psql):\n\n")
	for _, s := range res[:2] {
		mark := "met"
		if ratio(s.median(), psql) > 1.5 {
			mark = "MISSED"
		}
		h.printf("- %s: %.2f — %s\n", s.name, ratio(s.median(), psql), mark)
	}
	mark := "met"
	if ratio(res[1].median(), psql) > 1.0 {
		mark = "MISSED"
	}
	h.printf("- status --json with schema verification (%d snapshot objects compared) ≤ 1.0× psql: %.2f — %s\n",
		objects(loaded), ratio(res[1].median(), psql), mark)
	return nil
}

// scaleTest: cold migrate of n small migrations; the time per migration
// must stay flat as n grows.
func (h *harness) scaleTest(ctx context.Context) error {
	type row struct {
		n                     int
		proc, in, floor, psql time.Duration
		load, status          time.Duration
	}
	var rows []row
	for i, n := range h.cfg.scale {
		h.progress("scale: %d migrations", n)
		c := corpus.Small(n)
		dir, script, err := writeCorpus(h.tmp, fmt.Sprintf("small%d", n), c)
		if err != nil {
			return err
		}
		vs := []variant{h.hogsendProcess(dir), inProcess(dir), messageVariant("floor", floorMessage(c), nil, c), h.psqlFile(script)}
		res, err := h.rounds(ctx, c, vs, h.cfg.scaleRuns[i])
		if err != nil {
			return err
		}
		load, status, err := loadAndStatus(ctx, h, dir)
		if err != nil {
			return err
		}
		rows = append(rows, row{n: n, proc: res[0].median(), in: res[1].median(), floor: res[2].median(), psql: res[3].median(),
			load: load, status: status})
	}
	h.printf("\n## 3. Scale: cold migrate of N small migrations (2 statements each; runs: %s)\n\n", joinInts(h.cfg.scaleRuns[:len(h.cfg.scale)]))
	h.printf("| N | hogsend-db process ms | per migration ms | in-process ms | per migration ms | floor ms | per migration ms | psql -1 -f ms | hogsend overhead per migration µs (in-process − floor)/N | journal load ms | status, in sync, ms |\n")
	h.printf("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	per := func(d time.Duration, n int) string {
		return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)/float64(n))
	}
	for _, r := range rows {
		h.printf("| %d | %s | %s | %s | %s | %s | %s | %s | %.0f | %s | %s |\n", r.n, ms(r.proc), per(r.proc, r.n), ms(r.in), per(r.in, r.n),
			ms(r.floor), per(r.floor, r.n), ms(r.psql), float64(r.in-r.floor)/float64(time.Microsecond)/float64(r.n), ms(r.load), ms(r.status))
	}
	if len(rows) > 1 {
		a, b := rows[0], rows[len(rows)-1]
		growth := (float64(b.in) / float64(b.n)) / (float64(a.in) / float64(a.n))
		fgrowth := (float64(b.floor) / float64(b.n)) / (float64(a.floor) / float64(a.n))
		h.printf("\nPer-migration time, in-process, %d → %d: ×%.2f (the floor itself: ×%.2f). ", a.n, b.n, growth, fgrowth)
		h.printf("Journal load per migration: %.1f µs → %.1f µs; status per migration: %.1f µs → %.1f µs.\n",
			float64(a.load)/float64(time.Microsecond)/float64(a.n), float64(b.load)/float64(time.Microsecond)/float64(b.n),
			float64(a.status)/float64(time.Microsecond)/float64(a.n), float64(b.status)/float64(time.Microsecond)/float64(b.n))
	}
	return nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, "/")
}

// loadAndStatus times reading the journal, and tracks.Status on a database
// where the folder is applied (open connection), medians of 15.
func loadAndStatus(ctx context.Context, h *harness, dir string) (time.Duration, time.Duration, error) {
	var loads, stats []sample
	var loaded []tracks.Loaded
	for range 15 {
		start := time.Now()
		l, err := tracks.LoadAll(tracks.ClientTrack(dir))
		if err != nil {
			return 0, 0, err
		}
		loads = append(loads, sample{wall: time.Since(start)})
		loaded = l
	}
	name, dbURL, err := h.srv.fresh(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer h.srv.drop(ctx, name)
	if err := applyOnce(ctx, dir, dbURL); err != nil {
		return 0, 0, err
	}
	conn, err := tracks.Connect(ctx, dbURL, tracks.Session{})
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	for range 15 {
		start := time.Now()
		rep, err := tracks.Status(ctx, conn, loaded)
		if err != nil {
			return 0, 0, err
		}
		if rep.Status != tracks.StatusHealthy {
			return 0, 0, fmt.Errorf("status %s after apply", rep.Status)
		}
		stats = append(stats, sample{wall: time.Since(start)})
	}
	wall := func(s sample) time.Duration { return s.wall }
	return medianOf(loads, wall), medianOf(stats, wall), nil
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark[\w/]+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+\d+ B/op\s+(\d+) allocs/op)?`)
	// pairedLine is BenchmarkCheckPaired's ratio of Check to SELECT 1 and
	// what a Check costs above a SELECT 1, in microseconds.
	pairedLine = regexp.MustCompile(`^BenchmarkCheckPaired(?:-\d+)?\s.*\s([\d.]+) check/select1\s.*\s(-?[\d.]+) us-over-select1`)
)

// guard runs guard's Go benchmarks (another engineer's) if they exist.
//
// Each round is one `go test -count 1` process, in which the sub-benchmarks
// run back to back (SELECT 1, SELECT 1 under the deadline, Check), and
// ratios are taken within a round, then the median over rounds, as in the
// other sections: with -count N, go test would run every Check after every
// SELECT 1, seconds apart, and the host's load would move the ratio. Where
// guard has BenchmarkCheckPaired, which alternates the probes in blocks of
// calls within one benchmark, its ratio is the one held to the target.
func (h *harness) guard(ctx context.Context) error {
	h.printf("\n## 4. guard.Check vs SELECT 1 (Go benchmark, same pool)\n\n")
	if !h.cfg.guardBench {
		h.printf("Skipped (-guard=false).\n")
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(h.root, "guard", "*_test.go"))
	// Either top-level BenchmarkCheck and BenchmarkSelect1, or
	// BenchmarkCheck with sub-benchmarks Check and Select1.
	var hasCheck bool
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		hasCheck = hasCheck || strings.Contains(string(data), "func BenchmarkCheck(")
	}
	if !hasCheck {
		h.printf("| benchmark | ns/op |\n|---|--:|\n| BenchmarkCheck / BenchmarkSelect1 | TODO: not in guard/ yet |\n")
		return nil
	}
	type result struct {
		sample
		allocs string
	}
	sel, dl, chk := &series{name: "Select1"}, &series{name: "Select1Deadline"}, &series{name: "Check"}
	allocs := map[*series]string{}
	// BenchmarkCheckPaired's ratios (1e6 stands for 1.0) and microseconds
	// above SELECT 1, one per round.
	var interleaved, over []sample
	for range h.cfg.guardRuns {
		cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^(BenchmarkCheck|BenchmarkSelect1|BenchmarkCheckPaired)$",
			"-benchtime", "1s", "-benchmem", "-count", "1", "./guard")
		cmd.Dir = h.root
		cmd.Env = append(os.Environ(), "HOGSEND_TEST_DATABASE_URL="+h.cfg.url)
		out, err := cmd.CombinedOutput()
		if err != nil {
			h.printf("go test -bench ./guard failed: %s\n", escapePipe(tail(string(out))))
			return nil
		}
		got := map[string]result{}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if m := benchLine.FindStringSubmatch(sc.Text()); m != nil {
				ns, _ := strconv.ParseFloat(m[2], 64)
				got[m[1]] = result{sample{wall: time.Duration(ns)}, m[3]}
			}
			if m := pairedLine.FindStringSubmatch(sc.Text()); m != nil {
				r, _ := strconv.ParseFloat(m[1], 64)
				us, _ := strconv.ParseFloat(m[2], 64)
				interleaved = append(interleaved, sample{wall: time.Duration(r * 1e6)})
				over = append(over, sample{wall: time.Duration(us * float64(time.Microsecond))})
			}
		}
		c, s := got["BenchmarkCheck/Check"], got["BenchmarkCheck/Select1"]
		if c.wall == 0 {
			c, s = got["BenchmarkCheck"], got["BenchmarkSelect1"]
		}
		if c.wall == 0 || s.wall == 0 {
			h.printf("no results parsed from go test -bench:\n```\n%s\n```\n", tail(string(out)))
			return nil
		}
		chk.samples, sel.samples = append(chk.samples, c.sample), append(sel.samples, s.sample)
		allocs[chk], allocs[sel] = c.allocs, s.allocs
		if d, ok := got["BenchmarkCheck/Select1Deadline"]; ok {
			dl.samples = append(dl.samples, d.sample)
			allocs[dl] = d.allocs
		}
	}
	r := pairedRatio(chk, sel)
	h.printf("| benchmark | median ns/op (%d rounds) | allocs/op | × SELECT 1 (paired per round) |\n|---|--:|--:|--:|\n", h.cfg.guardRuns)
	h.printf("| BenchmarkSelect1 | %d | %s | 1.00 |\n", sel.median().Nanoseconds(), allocs[sel])
	if len(dl.samples) == len(sel.samples) {
		h.printf("| SELECT 1 under Check's 5 s deadline | %d | %s | %.2f |\n", dl.median().Nanoseconds(), allocs[dl], pairedRatio(dl, sel))
		defer h.printf("Check against SELECT 1 under the same deadline: %.2f\n", pairedRatio(chk, dl))
	}
	h.printf("| BenchmarkCheck | %d | %s | %.2f |\n", chk.median().Nanoseconds(), allocs[chk], r)
	if len(interleaved) == h.cfg.guardRuns {
		ratios := &series{samples: interleaved}
		lo, hi := ratios.spread()
		r = float64(ratios.median()) / 1e6
		overS := &series{samples: over}
		olo, ohi := overS.spread()
		h.printf("\nInterleaved (BenchmarkCheckPaired, blocks of calls in turn): Check %.2f× SELECT 1, median of %d rounds (range %.2f–%.2f); "+
			"a Check costs %s µs more than a SELECT 1 (range %s–%s).\n",
			r, len(interleaved), float64(lo)/1e6, float64(hi)/1e6, us(overS.median()), us(olo), us(ohi))
	}
	mark := "met"
	if r > 1.3 {
		mark = "MISSED"
	}
	h.printf("\nTarget ≤ 1.3× SELECT 1: %.2f — %s\n", r, mark)
	return nil
}

// driftTest times hogsend-db drift (replay on a scratch database plus
// inspection) at 75 and 300 migrations, if the command is implemented.
func (h *harness) driftTest(ctx context.Context) error {
	h.printf("\n## 5. drift at 75 and 300 migrations\n\n")
	if !h.cfg.drift {
		h.printf("Skipped (-drift=false).\n")
		return nil
	}
	help, _ := exec.CommandContext(ctx, h.hdb, "drift", "--help").CombinedOutput()
	if strings.Contains(string(help), "not implemented") || !strings.Contains(string(help), "--database-url") {
		h.printf("| corpus | drift ms |\n|---|--:|\n| 75 (history), 300 (small) | TODO: `hogsend-db drift` is not implemented in this build |\n")
		return nil
	}
	type job struct {
		label string
		c     *corpus.Corpus
	}
	jobs := []job{{"history, 75 migrations", h.history}, {"small, 75 migrations", corpus.Small(75)}, {"small, 300 migrations", corpus.Small(300)}}
	runs := h.cfg.driftRuns
	h.printf("| corpus | drift median ms (%d runs) | per migration ms |\n|---|--:|--:|\n", runs)
	for i, j := range jobs {
		dir, _, err := writeCorpus(h.tmp, fmt.Sprintf("drift%d", i), j.c)
		if err != nil {
			return err
		}
		name, dbURL, err := h.srv.fresh(ctx)
		if err != nil {
			return err
		}
		if err := applyOnce(ctx, dir, dbURL); err != nil {
			h.srv.drop(ctx, name)
			return err
		}
		s := &series{name: j.label}
		var failure string
		for range runs {
			smp, _, err := proc(ctx, h.root, h.hdb, "drift", "--track", "client", "--dir", dir, "--database-url", dbURL)
			if err != nil {
				failure = redactErr(err, dbURL).Error()
				break
			}
			s.samples = append(s.samples, smp)
		}
		h.srv.drop(ctx, name)
		if failure != "" {
			h.printf("| %s | failed: %s | |\n", j.label, escapePipe(strings.ReplaceAll(tail(failure), "\n", " ")))
			continue
		}
		h.printf("| %s | %s | %.2f |\n", j.label, ms(s.median()), float64(s.median())/float64(time.Millisecond)/float64(len(j.c.Migrations)))
	}
	return nil
}
