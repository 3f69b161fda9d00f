package interop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// Scenario 1: drizzle-orm's migrator applies a drizzle-kit folder; hogsend-db
// status then reports it in sync with the right applied tag. Both tracks:
// the client fixture (ledger __client_migrations, as the Node implementation
// runs it) and the bundled engine folder (drizzle-orm's default ledger).
func TestDrizzleAppliedIsInSync(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	for _, tc := range []struct {
		track, folder, table string
		args                 []string
	}{
		{"client", kitFolder(t), clientLedger, []string{"--track", "client", "--dir", kitFolder(t)}},
		{"engine", engineFolder(t), engineLedger, []string{"--track", "engine"}},
	} {
		t.Run(tc.track, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			tags := journalTags(t, tc.folder)
			if n := drizzleApplies(t, db.URL, tc.folder, tc.table); n != len(tags) {
				t.Fatalf("drizzle-orm applied %d migrations, want %d", n, len(tags))
			}
			doc, r := status(t, db.URL, tc.args...)
			if r.Code != 0 {
				t.Fatalf("status after drizzle-orm: want exit 0 (in sync)\n%s", r)
			}
			s := doc.track(t, tc.track)
			last := tags[len(tags)-1]
			if !s.InSync || str(s.Applied) != last || str(s.Required) != last || len(s.Pending) != 0 {
				t.Errorf("status %s: applied %s required %s inSync %v pending %v; want %s, in sync",
					tc.track, str(s.Applied), str(s.Required), s.InSync, s.Pending, last)
			}
			if doc.Status != "healthy" {
				t.Errorf("status = %q, want healthy", doc.Status)
			}
			if len(s.OutOfOrder)+len(s.Modified)+len(s.Ahead)+len(s.Unknown)+len(s.NullCreatedAt)+len(s.NotIncreasing) != 0 {
				t.Errorf("status %s reports problems on a drizzle-orm ledger: %+v", tc.track, s)
			}
			// Partway: drizzle-orm applies a prefix, hogsend-db names the same
			// applied tag and the rest as pending.
			db2 := pgtest.New(t)
			prefix := copyFolder(t, tc.folder)
			truncateJournal(t, prefix, 2)
			drizzleApplies(t, db2.URL, prefix, tc.table)
			doc, r = status(t, db2.URL, tc.args...)
			if r.Code != 3 {
				t.Fatalf("status after drizzle-orm applied 2 of %d: want exit 3 (pending)\n%s", len(tags), r)
			}
			s = doc.track(t, tc.track)
			if str(s.Applied) != tags[1] || !slices.Equal(s.Pending, tags[2:]) {
				t.Errorf("status %s: applied %s pending %v, want %s and %v", tc.track, str(s.Applied), s.Pending, tags[1], tags[2:])
			}
		})
	}
}

// Scenario 2: hogsend-db migrate and drizzle-orm's migrator, given the same
// folders, write identical ledgers (row for row: id, hash, created_at) and
// identical schemas; drizzle-orm then finds nothing to apply on the database
// hogsend-db migrated.
func TestSameLedgerAndSchemaAsDrizzle(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	client, engine := kitFolder(t), engineFolder(t)

	byDrizzle := pgtest.New(t)
	drizzleApplies(t, byDrizzle.URL, engine, engineLedger)
	drizzleApplies(t, byDrizzle.URL, client, clientLedger)

	byHogsend := pgtest.New(t)
	r := mustExit(t, 0, "migrate", "--database-url", byHogsend.URL, "--track", "all", "--dir", client)
	for _, tag := range journalTags(t, client) {
		if !strings.Contains(r.Stderr, "client: applied "+tag) {
			t.Errorf("migrate did not report %s as applied:\n%s", tag, r)
		}
	}

	for _, table := range []string{engineLedger, clientLedger} {
		want, got := ledger(t, byDrizzle.URL, table), ledger(t, byHogsend.URL, table)
		if len(want) == 0 {
			t.Fatalf("drizzle-orm wrote no rows into %s", table)
		}
		if !slices.Equal(want, got) {
			t.Errorf("ledger %s differs\ndrizzle-orm: %v\nhogsend-db:  %v", table, want, got)
		}
	}
	sameSchema(t, byDrizzle.URL, byHogsend.URL)
	sameCatalog(t, byDrizzle.URL, byHogsend.URL)

	if n := drizzleApplies(t, byHogsend.URL, engine, engineLedger); n != 0 {
		t.Errorf("drizzle-orm applied %d engine migrations after hogsend-db migrate, want 0", n)
	}
	if n := drizzleApplies(t, byHogsend.URL, client, clientLedger); n != 0 {
		t.Errorf("drizzle-orm applied %d client migrations after hogsend-db migrate, want 0", n)
	}
	// And the other way round: hogsend-db has nothing to do after drizzle-orm.
	for _, url := range []string{byDrizzle.URL, byHogsend.URL} {
		if _, r := status(t, url, "--dir", client); r.Code != 0 {
			t.Errorf("status --track all: want exit 0\n%s", r)
		}
	}
	r = mustExit(t, 0, "migrate", "--database-url", byDrizzle.URL, "--dir", client)
	if strings.Contains(r.Stderr, ": applied ") {
		t.Errorf("migrate applied something on a database drizzle-orm had migrated:\n%s", r)
	}
}

// Scenario 6: a mixed fleet. A Node process holds pg_advisory_lock(4812007)
// as the existing Node implementation does; hogsend-db migrate waits, says
// who holds the lock, and proceeds once it is released.
func TestWaitsForNodeLockHolder(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	db := pgtest.New(t)
	client := kitFolder(t)
	release := drizzletest.HoldLock(t, db.URL, drizzletest.DefaultLockKey)

	var holderPID int32
	err := pgtest.Connect(t, db.URL).QueryRow(context.Background(),
		`select pid from pg_stat_activity where datname = current_database() and application_name = 'hogsend-node-migrate'`).Scan(&holderPID)
	if err != nil {
		t.Fatalf("find the Node lock holder: %v", err)
	}

	p := clitest.Start(t, "", nil, "migrate", "--database-url", db.URL, "--track", "all", "--dir", client, "--lock-wait", "2m")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.Stderr.String(), "waiting for the migration lock") {
		if !p.Running() {
			t.Fatalf("migrate ended while the Node process held the lock:\n%s", p.Res)
		}
		if time.Now().After(deadline) {
			t.Fatalf("migrate did not say it waits for the lock within 30s:\n%s", p.Stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waiting := p.Stderr.String()
	for _, want := range []string{fmt.Sprintf("pid %d", holderPID), "hogsend-node-migrate", "4812007"} {
		if !strings.Contains(waiting, want) {
			t.Errorf("the waiting message does not name %q:\n%s", want, waiting)
		}
	}
	// It really waits: nothing is applied while the lock is held.
	time.Sleep(time.Second)
	if !p.Running() {
		t.Fatalf("migrate ended while the Node process held the lock:\n%s", p.Res)
	}
	if rows := ledger(t, db.URL, engineLedger); len(rows) != 0 {
		t.Fatalf("migrate wrote %d ledger rows while the Node process held the lock", len(rows))
	}

	released := time.Now()
	release()
	r := p.Wait(t, 2*time.Minute)
	if r.Code != 0 {
		t.Fatalf("migrate after the lock was released: want exit 0\n%s", r)
	}
	t.Logf("migrate proceeded %s after release", time.Since(released).Round(time.Millisecond))
	if got, want := len(ledger(t, db.URL, clientLedger)), len(journalTags(t, client)); got != want {
		t.Errorf("client ledger has %d rows after migrate, want %d", got, want)
	}
	if strings.Count(r.Stderr, "waiting for the migration lock") != 1 {
		t.Errorf("the holder should be named once, not on every poll:\n%s", r.Stderr)
	}
}

// Scenario 7a: an applied migration edited by hand. drizzle-orm runs the
// edited folder without a word and without the edit; hogsend-db reports it
// as modified (exit 4) and refuses it under --strict.
func TestModifiedAppliedMigration(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	db := pgtest.New(t)
	drizzleApplies(t, db.URL, kitFolder(t), clientLedger)
	edited := interopData(t, "modified")

	if n := drizzleApplies(t, db.URL, edited, clientLedger); n != 0 {
		t.Fatalf("drizzle-orm applied %d migrations from the edited folder, want 0", n)
	}
	if queryBool(t, db.URL, "to_regclass('comments_ticket_id_idx') is not null") {
		t.Fatal("the edit reached the database; the scenario expects drizzle-orm to ignore it")
	}

	args := []string{"--track", "client", "--dir", edited}
	doc, r := status(t, db.URL, args...)
	if r.Code != 4 {
		t.Fatalf("status on an edited applied migration: want exit 4\n%s", r)
	}
	s := doc.track(t, "client")
	if !slices.Equal(s.Modified, []string{"0001_v2"}) {
		t.Errorf("modified = %v, want [0001_v2]", s.Modified)
	}
	if !s.InSync || len(s.OutOfOrder) != 0 || len(s.Unknown) != 0 {
		t.Errorf("only modified should be reported: %+v", s)
	}
	human := hogsend(t, append([]string{"status", "--database-url", db.URL}, args...)...)
	if human.Code != 4 || !strings.Contains(human.Stdout+human.Stderr, "0001_v2") {
		t.Errorf("human status should name 0001_v2 and exit 4:\n%s", human)
	}

	r = mustExit(t, 0, append([]string{"migrate", "--database-url", db.URL}, args...)...)
	if !strings.Contains(r.Stderr, "warning") || !strings.Contains(r.Stderr, "0001_v2") {
		t.Errorf("migrate without --strict should warn about 0001_v2:\n%s", r)
	}
	r = mustExit(t, 4, append([]string{"migrate", "--database-url", db.URL, "--strict"}, args...)...)
	if !strings.Contains(r.Stderr, "0001_v2") {
		t.Errorf("migrate --strict should name 0001_v2:\n%s", r)
	}
	if queryBool(t, db.URL, "to_regclass('comments_ticket_id_idx') is not null") {
		t.Error("migrate --strict ran the edited migration")
	}
}

// Scenario 7b: a migration merged from a branch with a `when` older than the
// newest applied one. drizzle-orm skips it forever without a word; hogsend-db
// reports it as outOfOrder (exit 4), refuses to apply it by default, and
// applies it with --allow-out-of-order.
func TestOutOfOrderMigration(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	db := pgtest.New(t)
	if n := drizzleApplies(t, db.URL, interopData(t, "out-of-order/deployed"), clientLedger); n != 3 {
		t.Fatalf("drizzle-orm applied %d of the deployed folder, want 3", n)
	}
	merged := interopData(t, "out-of-order/merged")
	if n := drizzleApplies(t, db.URL, merged, clientLedger); n != 0 {
		t.Fatalf("drizzle-orm applied %d migrations from the merged folder; the scenario expects it to skip 0003_branch_notes", n)
	}
	if queryBool(t, db.URL, "to_regclass('notes') is not null") {
		t.Fatal("drizzle-orm created notes; the scenario expects it to skip 0003_branch_notes")
	}

	args := []string{"--track", "client", "--dir", merged}
	doc, r := status(t, db.URL, args...)
	if r.Code != 4 {
		t.Fatalf("status with an out-of-order migration: want exit 4\n%s", r)
	}
	s := doc.track(t, "client")
	if !slices.Equal(s.OutOfOrder, []string{"0003_branch_notes"}) || !slices.Equal(s.Pending, []string{"0003_branch_notes"}) {
		t.Errorf("outOfOrder %v pending %v, want [0003_branch_notes] for both", s.OutOfOrder, s.Pending)
	}
	if !slices.Equal(s.NotIncreasing, []string{"0003_branch_notes"}) {
		t.Errorf("notIncreasing = %v, want [0003_branch_notes] (drizzle-kit check warns too)", s.NotIncreasing)
	}

	r = hogsend(t, append([]string{"migrate", "--database-url", db.URL}, args...)...)
	if r.Code == 0 || !strings.Contains(r.Stderr, "0003_branch_notes") {
		t.Fatalf("migrate should refuse the out-of-order migration and name it:\n%s", r)
	}
	if queryBool(t, db.URL, "to_regclass('notes') is not null") {
		t.Fatal("migrate applied the out-of-order migration without --allow-out-of-order")
	}

	mustExit(t, 0, append([]string{"migrate", "--database-url", db.URL, "--allow-out-of-order"}, args...)...)
	if !queryBool(t, db.URL, "to_regclass('notes') is not null") {
		t.Fatal("migrate --allow-out-of-order did not create notes")
	}
	doc, _ = status(t, db.URL, args...)
	if s := doc.track(t, "client"); !s.InSync || len(s.OutOfOrder) != 0 {
		t.Errorf("after --allow-out-of-order: %+v, want in sync", s)
	}
	// drizzle-orm agrees there is nothing left.
	if n := drizzleApplies(t, db.URL, merged, clientLedger); n != 0 {
		t.Errorf("drizzle-orm applied %d after hogsend-db, want 0", n)
	}
}
