package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// The pipeline of a Hogsend app whose client schema is TypeScript:
// `drizzle-kit export` of schema/support.ts piped into
// `hogsend-db generate --schema -` writes a fresh client folder; then
// `drizzle-kit generate` on the same file finds nothing to do and
// `drizzle-kit check` accepts the folder. support.ts has an enum, a foreign
// key, partial indexes, expression indexes, checks, defaults and a generated
// column whose expressions PostgreSQL re-prints differently from drizzle-kit
// ("support_tickets"."reply_count" >= 0 comes back as reply_count >= 0,
// lower("subject") as lower(subject)): the snapshot must hold drizzle-kit's
// text, or drizzle-kit drops and re-adds them.
func TestExportGenerateRoundTrip(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	schema := schemaFile(t, "support")
	exported := drizzletest.Export(t, schema)
	dev := pgtest.New(t) // scratch databases are created on its server
	dir := filepath.Join(t.TempDir(), "migrations")
	gen := []string{"generate", "--schema", "-", "--dir", dir, "--dev-url", dev.URL}

	r := hogsendStdin(t, exported, append(gen, "--name", "init")...)
	if r.Code != 0 {
		t.Fatalf("generate --schema - from drizzle-kit export: want exit 0\n%s", r)
	}
	want := []string{"0000_init"}
	if got := journalTags(t, dir); !slices.Equal(got, want) {
		t.Fatalf("journal after generate: %v, want %v\n%s", got, want, r)
	}

	kitFindsNothing(t, drizzletest.V0, schema, dir)
	// The same export again: nothing to do for hogsend-db either.
	wroteNothing(t, drizzletest.V0, dir, want, hogsendStdin(t, exported, gen...))

	// The folder builds what export describes.
	db := pgtest.New(t)
	mustExit(t, 0, "migrate", "--database-url", db.URL, "--track", "client", "--dir", dir)
	desired := pgtest.New(t)
	desired.Exec(t, exported)
	sameCatalog(t, desired.URL, db.URL)
}

// The same pipeline with drizzle-kit 1.0 on a folder in its layout: its
// export prints no USING for btree indexes, unqualified column names in
// checks and WHEREs, and enum defaults with a cast ('open'::"…"), and its
// version-8 snapshot must hold the same texts as drizzle-kit 1.0's own.
// The folder starts with a migration drizzle-kit 1.0 wrote from
// support-base.ts (support.ts's enum alone), so everything else is new in
// the migration hogsend-db writes.
func TestExportGenerateRoundTripDrizzleKit1(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	dir := kit1Base(t)
	before := folderNames(t, dir)
	schema := schemaFile(t, "support")
	// drizzle-kit 1.0's own next migration of the same folder, for its
	// snapshot.
	byKit := copyFolder(t, dir)
	if !drizzletest.V1.Generate(t, schema, byKit, "support") {
		t.Fatal("drizzle-kit 1.0 generate wrote nothing from support.ts")
	}

	exported := drizzletest.V1.Export(t, schema)
	if strings.Contains(exported, "USING btree") || !strings.Contains(exported, `::"support_ticket_state"`) {
		t.Fatalf("drizzle-kit 1.0 export is not in the shape this test is about:\n%s", exported)
	}

	dev := pgtest.New(t)
	gen := []string{"generate", "--schema", "-", "--dir", dir, "--dev-url", dev.URL}
	r := hogsendStdin(t, exported, append(gen, "--name", "support")...)
	if r.Code != 0 {
		t.Fatalf("generate --schema - from drizzle-kit 1.0 export: want exit 0\n%s", r)
	}
	after := folderNames(t, dir)
	if len(after) != len(before)+1 || !strings.HasSuffix(after[len(after)-1], "_support") {
		t.Fatalf("folders after generate: %v (before %v)\n%s", after, before, r)
	}
	if fileExists(filepath.Join(dir, "meta")) {
		t.Error("generate wrote a meta folder into a 1.0 folder")
	}

	// The expressions drizzle-kit 1.0 keeps are byte for byte its own:
	// every column (defaults, generated), index (columns, where) and check
	// entity of the two snapshots is the same, and so is every primary
	// key, unique constraint and foreign key (nameExplicit false for the
	// foreign key the TypeScript leaves unnamed).
	ours, theirs := snapshotEntities(t, dir), snapshotEntities(t, byKit)
	for id, want := range theirs {
		switch want["entityType"] {
		case "columns", "indexes", "checks", "pks", "uniques", "fks":
		default:
			continue
		}
		got, _ := json.Marshal(ours[id])
		if w, _ := json.Marshal(want); !bytes.Equal(got, w) {
			t.Errorf("snapshot entity %s:\n  hogsend-db:  %s\n  drizzle-kit: %s", id, got, w)
		}
	}

	kitFindsNothing(t, drizzletest.V1, schema, dir)
	wroteNothing(t, drizzletest.V1, dir, after, hogsendStdin(t, exported, gen...))
	drizzleBuilds(t, drizzletest.V1, dir, len(after), exported, sameCatalog)
}

// snapshotEntities reads the ddl of the newest snapshot.json of a 1.0
// folder, keyed by kind, schema, table and name.
func snapshotEntities(t testing.TB, dir string) map[string]map[string]any {
	t.Helper()
	names := folderNames(t, dir)
	b, err := os.ReadFile(filepath.Join(dir, names[len(names)-1], "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DDL []map[string]any `json:"ddl"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, e := range doc.DDL {
		out[fmt.Sprintf("%v %v.%v.%v", e["entityType"], e["schema"], e["table"], e["name"])] = e
	}
	return out
}

// A failed export prints nothing: an empty stdin must not become an empty
// desired schema, which would drop every client table.
func TestGenerateRefusesEmptyStdin(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "migrations")
	for _, in := range []string{"", "\n-- drizzle-kit export failed\n"} {
		r := hogsendStdin(t, in, "generate", "--schema", "-", "--dir", dir, "--dev-url", "postgres://postgres@127.0.0.1:1/x")
		if r.Code != 1 || !strings.Contains(r.Stderr, "stdin holds no SQL statement") {
			t.Errorf("generate --schema - with stdin %q: want exit 1 naming stdin\n%s", in, r)
		}
	}
	if fileExists(dir) {
		t.Errorf("generate created %s from an empty stdin", dir)
	}
}

// hogsendStdin runs hogsend-db with stdin as its standard input.
func hogsendStdin(t testing.TB, stdin string, args ...string) clitest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, clitest.Bin(), args...)
	cmd.Dir = t.TempDir()
	cmd.Env = clitest.Env()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run hogsend-db %s: %v", args[0], err)
	}
	return clitest.Result{Code: cmd.ProcessState.ExitCode(), Stdout: stdout.String(), Stderr: stderr.String(), Dur: time.Since(began)}
}
