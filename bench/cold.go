package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/bench/corpus"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// variant is one way of applying a corpus to a fresh database.
type variant struct {
	name   string
	run    func(ctx context.Context, dbURL string) (sample, error)
	ledger bool // leaves the corpus's rows in drizzle.__client_migrations
	nodb   bool // touches no database (process start): nothing to check
}

// rounds runs every variant runs times, interleaved (the order rotates each
// round so no variant always follows another), each on a fresh database,
// and checks what each left behind.
func (h *harness) rounds(ctx context.Context, c *corpus.Corpus, vs []variant, runs int) ([]*series, error) {
	out := make([]*series, len(vs))
	for i, v := range vs {
		out[i] = &series{name: v.name}
	}
	for r := range runs {
		for k := range vs {
			i := (k + r) % len(vs)
			s, err := h.once(ctx, c, vs[i])
			if err != nil {
				return nil, err
			}
			out[i].samples = append(out[i].samples, s)
		}
	}
	return out, nil
}

func (h *harness) once(ctx context.Context, c *corpus.Corpus, v variant) (sample, error) {
	name, dbURL, err := h.srv.fresh(ctx)
	if err != nil {
		return sample{}, err
	}
	defer h.srv.drop(ctx, name)
	s, err := v.run(ctx, dbURL)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w", v.name, redactErr(err, dbURL))
	}
	if v.nodb {
		return s, nil
	}
	got, err := scalar(ctx, dbURL, "select count(*)::text from pg_catalog.pg_tables where schemaname = 'public'")
	if err != nil {
		return sample{}, fmt.Errorf("%s: check: %w", v.name, err)
	}
	if got != strconv.Itoa(c.Tables) {
		return sample{}, fmt.Errorf("%s: left %s tables, want %d", v.name, got, c.Tables)
	}
	if v.ledger {
		got, err := scalar(ctx, dbURL, "select count(*)::text from drizzle.__client_migrations")
		if err != nil {
			return sample{}, fmt.Errorf("%s: check ledger: %w", v.name, err)
		}
		if got != strconv.Itoa(len(c.Migrations)) {
			return sample{}, fmt.Errorf("%s: ledger has %s rows, want %d", v.name, got, len(c.Migrations))
		}
	}
	return s, nil
}

// The variants. dir is the drizzle-kit folder, script the same statements
// as one file.

func (h *harness) hogsendProcess(dir string) variant {
	return variant{name: "hogsend-db migrate (process)", ledger: true, run: func(ctx context.Context, dbURL string) (sample, error) {
		s, _, err := proc(ctx, h.root, h.hdb, "migrate", "--track", "client", "--dir", dir, "--database-url", dbURL)
		return s, err
	}}
}

func inProcess(dir string) variant {
	return variant{name: "tracks.Apply in-process (load+connect+apply)", ledger: true, run: func(ctx context.Context, dbURL string) (sample, error) {
		start := time.Now()
		if err := applyOnce(ctx, dir, dbURL); err != nil {
			return sample{}, err
		}
		return sample{wall: time.Since(start)}, nil
	}}
}

func applyOnce(ctx context.Context, dir, dbURL string) error {
	loaded, err := tracks.LoadAll(tracks.ClientTrack(dir))
	if err != nil {
		return err
	}
	conn, err := tracks.Connect(ctx, dbURL, tracks.Session{})
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = tracks.Apply(ctx, conn, loaded, tracks.Options{})
	return err
}

func (h *harness) psqlFile(script string) variant {
	return variant{name: "psql -1 -f", run: func(ctx context.Context, dbURL string) (sample, error) {
		s, _, err := proc(ctx, h.root, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", script, "-d", dbURL)
		return s, err
	}}
}

func (h *harness) drizzleMigrator(dir string) variant {
	return variant{name: "drizzle-orm migrator (node)", ledger: true, run: func(ctx context.Context, dbURL string) (sample, error) {
		s, _, err := proc(ctx, h.root, "node", "testdata/drizzle/migrate.mjs", "--url", dbURL, "--folder", dir,
			"--schema", ledger.ClientTable.Schema, "--table", ledger.ClientTable.Name)
		return s, err
	}}
}

// message variants: one simple-query message over pgconn, connect and
// close included.
func messageVariant(name, msg string, batch func(c *corpus.Corpus) *pgconn.Batch, c *corpus.Corpus) variant {
	return variant{name: name, ledger: batch != nil, run: func(ctx context.Context, dbURL string) (sample, error) {
		start := time.Now()
		conn, err := pgconn.Connect(ctx, dbURL)
		if err != nil {
			return sample{}, err
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, msg).ReadAll(); err != nil {
			return sample{}, err
		}
		if batch != nil {
			if _, err := conn.ExecBatch(ctx, batch(c)).ReadAll(); err != nil {
				return sample{}, err
			}
		}
		conn.Close(ctx)
		return sample{wall: time.Since(start)}, nil
	}}
}

// floorMessage: BEGIN, every statement, COMMIT, in one message.
func floorMessage(c *corpus.Corpus) string { return "BEGIN;\n" + c.Script() + "COMMIT;" }

// markedMessage is the shape of hogsend-db's first round trip: each
// statement followed by a one-row marker select; with the ledger's CREATE
// when ensure is set, and without COMMIT (that goes in the batch).
func markedMessage(c *corpus.Corpus, ensure, commit bool) string {
	var b strings.Builder
	b.WriteString("BEGIN;\n")
	if ensure {
		b.WriteString(ledger.EnsureSQL(ledger.ClientTable, false) + ";\n")
	}
	b.WriteString("select -1 as hogsend_db_marker;\n")
	k := 0
	for _, m := range c.Migrations {
		for _, s := range m.Statements {
			fmt.Fprintf(&b, "%s\n;\nselect %d as hogsend_db_marker;\n", s, k)
			k++
		}
	}
	if commit {
		b.WriteString("COMMIT;")
	}
	return b.String()
}

// ledgerBatch is hogsend-db's second round trip: the ledger rows and
// COMMIT, pipelined with one Sync.
func ledgerBatch(c *corpus.Corpus) *pgconn.Batch {
	b := &pgconn.Batch{}
	insert := ledger.InsertSQL(ledger.ClientTable)
	for _, m := range c.Migrations {
		sum := sha256hex(m.SQL())
		b.ExecParams(insert, [][]byte{[]byte(sum), strconv.AppendInt(nil, m.When, 10)}, nil, nil, nil)
	}
	b.ExecParams("COMMIT", nil, nil, nil, nil)
	return b
}

func (h *harness) cold(ctx context.Context) error {
	c := h.history
	vs := []variant{
		h.hogsendProcess(h.histDir),
		inProcess(h.histDir),
		h.psqlFile(h.script),
		messageVariant("floor: one simple-query message (pgconn)", floorMessage(c), nil, c),
		messageVariant("floor + marker selects (decomposition)", markedMessage(c, false, true), nil, c),
		messageVariant("floor + markers + ledger rows, 2 round trips (decomposition)", markedMessage(c, true, false), ledgerBatch, c),
		{name: "hogsend-db version (process start only, no database)", nodb: true, run: func(ctx context.Context, _ string) (sample, error) {
			s, _, err := proc(ctx, h.root, h.hdb, "version")
			return s, err
		}},
	}
	if h.cfg.drizzle {
		vs = append(vs, h.drizzleMigrator(h.histDir))
	}
	res, err := h.rounds(ctx, c, vs, h.cfg.runs)
	if err != nil {
		return err
	}
	floorS, psqlS := res[3], res[2]
	var drizzleS *series
	if h.cfg.drizzle {
		drizzleS = res[7]
	}
	h.printf("\n## 1. Cold migrate: %d migrations to an empty database (%d runs each)\n\n", len(c.Migrations), h.cfg.runs)
	h.printf("Ratios are the median, over rounds, of the ratio within a round (every variant runs once per round, back to back), " +
		"which cancels most of the load that other processes put on the host; medians of wall time alone are noisier.\n\n")
	h.printf("| variant | median ms | min ms | max ms | child CPU ms | × floor | × psql | × drizzle |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range res {
		lo, hi := s.spread()
		cpu := "-"
		if s.medianCPU() > 0 {
			cpu = ms(s.medianCPU())
		}
		dz := "-"
		if drizzleS != nil {
			dz = fmt.Sprintf("%.2f", pairedRatio(s, drizzleS))
		}
		h.printf("| %s | %s | %s | %s | %s | %.2f | %.2f | %s |\n", s.name, ms(s.median()), ms(lo), ms(hi), cpu,
			pairedRatio(s, floorS), pairedRatio(s, psqlS), dz)
	}
	procS, inS := res[0], res[1]
	floor := floorS.median()
	proc, inproc := procS.median(), inS.median()
	h.printf("\nTargets (hogsend-db process, end to end; in-process in brackets):\n\n")
	h.target("≤ 1.15× floor", pairedRatio(procS, floorS), pairedRatio(inS, floorS), 1.15)
	h.target("≤ 1.0× psql -1 -f", pairedRatio(procS, psqlS), pairedRatio(inS, psqlS), 1.0)
	if drizzleS != nil {
		h.target("≤ 0.5× drizzle-orm", pairedRatio(procS, drizzleS), pairedRatio(inS, drizzleS), 0.5)
	}
	h.printf("\nOverhead above the floor (difference of medians; the round-trip breakdown below measures it directly): %s ms for the process, %s ms in-process, on a floor of %s ms. "+
		"On a faster or idle server the same overhead weighs more: expect (floor + overhead) / floor.\n",
		ms(proc-floor), ms(inproc-floor), ms(floor))
	h.printf("\nThe client track is used (`--track client --dir <corpus>`), so only the corpus is applied; its ledger is drizzle.__client_migrations. " +
		"Floor and decomposition rows include connect and close; the process rows include process start and connect. " +
		"drizzle's row is testdata/drizzle/migrate.mjs, which also counts ledger rows before and after (two small queries).\n")

	if h.cfg.cpuprofile != "" {
		return h.profile(ctx)
	}
	return nil
}

// pairedRatio is the median over rounds of a's time over b's in the same
// round.
func pairedRatio(a, b *series) float64 {
	n := min(len(a.samples), len(b.samples))
	rs := make([]sample, n)
	for i := range n {
		rs[i] = sample{wall: time.Duration(ratio(a.samples[i].wall, b.samples[i].wall) * 1e6)}
	}
	return float64(medianOf(rs, func(s sample) time.Duration { return s.wall })) / 1e6
}

func (h *harness) target(what string, procRatio, inRatio, limit float64) {
	mark := "met"
	if procRatio > limit {
		mark = "MISSED"
		if inRatio <= limit {
			mark = "MISSED by the process (met in-process)"
		}
	}
	h.printf("- %s: %.2f (%.2f) — %s\n", what, procRatio, inRatio, mark)
}

// profile writes a CPU profile of in-process cold migrates and prints the
// top of it.
func (h *harness) profile(ctx context.Context) error {
	f, err := os.Create(h.cfg.cpuprofile)
	if err != nil {
		return err
	}
	defer f.Close()
	var busy time.Duration
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	for range 10 {
		name, dbURL, err := h.srv.fresh(ctx)
		if err != nil {
			pprof.StopCPUProfile()
			return err
		}
		start := time.Now()
		err = applyOnce(ctx, h.histDir, dbURL)
		busy += time.Since(start)
		h.srv.drop(ctx, name)
		if err != nil {
			pprof.StopCPUProfile()
			return err
		}
	}
	pprof.StopCPUProfile()
	out, err := commandOutput(ctx, h.root, "go", "tool", "pprof", "-top", "-nodecount=15", h.cfg.cpuprofile)
	if err != nil {
		return err
	}
	h.printf("\n### Client CPU profile of 10 in-process cold migrates (%s wall in Apply)\n\n```\n%s```\n",
		busy.Round(time.Millisecond), out)
	return nil
}

func commandOutput(ctx context.Context, dir, name string, args ...string) (string, error) {
	s, out, err := proc(ctx, dir, name, args...)
	_ = s
	return string(out), err
}

// breakdown applies the history in-process on a recorded connection and
// shows each round trip's median time.
func (h *harness) breakdown(ctx context.Context) error {
	var runs [][]flight
	var loads, totals []sample
	for range h.cfg.flights {
		name, dbURL, err := h.srv.fresh(ctx)
		if err != nil {
			return err
		}
		load, total, fl, err := recordedApply(ctx, h.histDir, dbURL)
		h.srv.drop(ctx, name)
		if err != nil {
			return err
		}
		runs = append(runs, fl)
		loads, totals = append(loads, sample{wall: load}), append(totals, sample{wall: total})
	}
	n := len(runs[0])
	for _, r := range runs {
		if len(r) != n {
			return fmt.Errorf("runs saw %d and %d round trips", n, len(r))
		}
	}
	total := medianOf(totals, func(s sample) time.Duration { return s.wall })
	h.printf("\n## Where tracks.Apply spends a cold migrate (%d runs, medians)\n\n", len(runs))
	h.printf("Recorded on the socket: a round trip is everything written before the next read, until the last byte read.\n\n")
	h.printf("| # | round trip (first frontend messages) | msgs | out KiB | in KiB | ms |\n|--:|---|--:|--:|--:|--:|\n")
	h.printf("| – | journal load (read, hash, split; no network) | | | | %s |\n", ms(medianOf(loads, func(s sample) time.Duration { return s.wall })))
	var sum time.Duration
	for i := range n {
		d := medianOf(runsAt(runs, i), func(s sample) time.Duration { return s.wall })
		sum += d
		f := runs[0][i]
		h.printf("| %d | %s | %d | %.1f | %.1f | %s |\n", i, escapePipe(f.label), f.messages, float64(f.out)/1024, float64(f.in)/1024, ms(d))
	}
	h.printf("| | total wall (load + connect + Apply + close) | | | | %s |\n", ms(total))
	h.printf("| | client time between round trips (total − load − the rows above) | | | | %s |\n",
		ms(total-sum-medianOf(loads, func(s sample) time.Duration { return s.wall })))
	h.printf("\nThe big simple-query message (BEGIN, every statement each followed by a marker select) is PostgreSQL's work; " +
		"every other row is overhead a migrator pays on top of the floor's single round trip.\n")
	// Beyond the floor's: dial, startup, the one message.
	return h.micro(ctx, n-3)
}

func runsAt(runs [][]flight, i int) []sample {
	out := make([]sample, len(runs))
	for k, r := range runs {
		out[k] = sample{wall: r[i].dur()}
	}
	return out
}

func escapePipe(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// recordedApply is applyOnce on a connection whose socket is recorded. The
// session settings are tracks.Connect's.
func recordedApply(ctx context.Context, dir, dbURL string) (time.Duration, time.Duration, []flight, error) {
	load, total, rec, err := recordedApplyRec(ctx, dir, dbURL)
	if err != nil {
		return 0, 0, nil, err
	}
	// The TCP connect is flight 0; drop the Terminate message (nothing
	// comes back).
	fl := append([]flight{{label: "TCP connect (dial)", end: time.Time{}.Add(rec.dialed)}}, rec.flights...)
	if k := len(fl) - 1; k >= 0 && strings.HasPrefix(fl[k].label, "Terminate") {
		fl = fl[:k]
	}
	return load, total, fl, nil
}

func recordedApplyRec(ctx context.Context, dir, dbURL string) (time.Duration, time.Duration, *recorder, error) {
	start := time.Now()
	loaded, err := tracks.LoadAll(tracks.ClientTrack(dir))
	if err != nil {
		return 0, 0, nil, err
	}
	load := time.Since(start)
	cfg, err := tracks.ConnConfig(dbURL, tracks.Session{})
	if err != nil {
		return 0, 0, nil, err
	}
	rec := &recorder{}
	cfg.DialFunc = rec.dial
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, 0, nil, err
	}
	_, err = tracks.Apply(ctx, conn, loaded, tracks.Options{})
	conn.Close(ctx)
	total := time.Since(start)
	if err != nil {
		return 0, 0, nil, err
	}
	return load, total, rec, nil
}

func writeCorpus(tmp, name string, c *corpus.Corpus) (dir, script string, err error) {
	dir = filepath.Join(tmp, name)
	if err := c.Write(dir); err != nil {
		return "", "", err
	}
	script = filepath.Join(tmp, name+".sql")
	return dir, script, os.WriteFile(script, []byte(c.Script()), 0o644)
}

// micro measures the pieces of hogsend-db's overhead in isolation, on an
// open connection to a database where the history is applied: short,
// repeated operations whose medians are far less noisy than a whole cold
// migrate.
func (h *harness) micro(ctx context.Context, extraTrips int) error {
	name, dbURL, err := h.srv.fresh(ctx)
	if err != nil {
		return err
	}
	defer h.srv.drop(ctx, name)
	if err := applyOnce(ctx, h.histDir, dbURL); err != nil {
		return err
	}
	conn, err := pgconn.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	loaded, err := tracks.LoadAll(tracks.ClientTrack(h.histDir))
	if err != nil {
		return err
	}
	tconn, err := tracks.Connect(ctx, dbURL, tracks.Session{})
	if err != nil {
		return err
	}
	defer tconn.Close(ctx)

	c := h.history
	var markers strings.Builder
	for k := range c.Statements() {
		fmt.Fprintf(&markers, "select %d as hogsend_db_marker;\n", k)
	}
	timeIt := func(n int, f func() error) (time.Duration, error) {
		var xs []sample
		for range n {
			start := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			xs = append(xs, sample{wall: time.Since(start)})
		}
		return medianOf(xs, func(s sample) time.Duration { return s.wall }), nil
	}
	exec := func(sql string) func() error {
		return func() error { _, err := conn.Exec(ctx, sql).ReadAll(); return err }
	}
	type row struct {
		what  string
		times string
		d     time.Duration
	}
	var rows []row
	add := func(what, times string, n int, f func() error) error {
		d, err := timeIt(n, f)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		rows = append(rows, row{what, times, d})
		return nil
	}
	steps := []struct {
		what, times string
		n           int
		f           func() error
	}{
		{"tracks.Status, client track only (what Apply reads before, under the lock, after)", "3", 30, func() error {
			_, err := tracks.Status(ctx, tconn, loaded)
			return err
		}},
		{"one round trip: `select 1`, simple protocol", fmt.Sprintf("%d (the extra round trips seen above)", extraTrips), 200, exec("select 1")},
		{fmt.Sprintf("%d marker selects in one message", c.Statements()), "1", 50, exec(markers.String())},
		{fmt.Sprintf("%d ledger inserts pipelined, then ROLLBACK", len(c.Migrations)), "1", 30, func() error {
			if _, err := conn.Exec(ctx, "BEGIN").ReadAll(); err != nil {
				return err
			}
			b := ledgerBatch(c)
			b.ExecParams("ROLLBACK", nil, nil, nil, nil)
			_, err := conn.ExecBatch(ctx, b).ReadAll()
			return err
		}},
		{fmt.Sprintf("(alternative) the same %d rows as ONE insert … select from unnest($1::text[], $2::bigint[]), then ROLLBACK", len(c.Migrations)), "-", 30, func() error {
			if _, err := conn.Exec(ctx, "BEGIN").ReadAll(); err != nil {
				return err
			}
			hashes, whens := []string{}, []string{}
			for _, m := range c.Migrations {
				hashes = append(hashes, `"`+sha256hex(m.SQL())+`"`)
				whens = append(whens, strconv.FormatInt(m.When, 10))
			}
			b := &pgconn.Batch{}
			b.ExecParams(`insert into "drizzle"."__client_migrations" ("hash", "created_at") select * from unnest($1::text[], $2::bigint[])`,
				[][]byte{[]byte("{" + strings.Join(hashes, ",") + "}"), []byte("{" + strings.Join(whens, ",") + "}")}, nil, nil, nil)
			b.ExecParams("ROLLBACK", nil, nil, nil, nil)
			_, err := conn.ExecBatch(ctx, b).ReadAll()
			return err
		}},
		{"journal load of the corpus (read, hash, split)", "1", 30, func() error {
			_, err := tracks.LoadAll(tracks.ClientTrack(h.histDir))
			return err
		}},
		{"tracks.Connect + Close", "1 (the floor pays a connect too)", 30, func() error {
			cc, err := tracks.Connect(ctx, dbURL, tracks.Session{})
			if err != nil {
				return err
			}
			return cc.Close(ctx)
		}},
		{"pgconn.Connect + Close (the floor's connect)", "-", 30, func() error {
			cc, err := pgconn.Connect(ctx, dbURL)
			if err != nil {
				return err
			}
			return cc.Close(ctx)
		}},
		{"hogsend-db process start (`hogsend-db version`)", "1", 15, func() error {
			_, _, err := proc(ctx, h.root, h.hdb, "version")
			return err
		}},
	}
	for _, s := range steps {
		if err := add(s.what, s.times, s.n, s.f); err != nil {
			return err
		}
	}
	h.printf("\n### Overhead components measured in isolation (medians; open connection, history applied)\n\n")
	h.printf("| component | paid per cold migrate | median ms |\n|---|--:|--:|\n")
	for _, r := range rows {
		h.printf("| %s | %s | %.2f |\n", r.what, r.times, float64(r.d)/float64(time.Millisecond))
	}
	return nil
}
