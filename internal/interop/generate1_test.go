package interop

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// `hogsend-db generate` extends a folder drizzle-kit 1.0 wrote (v1..v4) from
// the SQL twin of schema/v5.ts: it writes the 1.0 layout (a new folder with
// migration.sql and a version-8 snapshot.json, no journal), drizzle-kit 1.0
// check accepts the folder, drizzle-kit 1.0 generate with v5.ts finds
// nothing to do, and drizzle-orm 1.0 applies it to the desired schema.
func TestGenerateExtendsDrizzleKit1Folder(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	dir := copyFolder(t, filepath.Join(drizzletest.V1.Dir(t), "migrations"))
	desiredFile := filepath.Join(root(t), "testdata", "generate", "drizzle_v5.sql")
	desired, err := os.ReadFile(desiredFile)
	if err != nil {
		t.Fatal(err)
	}
	dev := pgtest.New(t)
	before := folderNames(t, dir)

	gen := []string{"generate", "--schema", desiredFile, "--dir", dir, "--dev-url", dev.URL}
	r := mustExit(t, 0, append(gen, "--name", "v5")...)
	after := folderNames(t, dir)
	if len(after) != len(before)+1 || !slices.Equal(after[:len(before)], before) || !strings.HasSuffix(after[len(before)], "_v5") {
		t.Fatalf("folders after generate: %v (before %v)\n%s", after, before, r)
	}
	next := after[len(before)]
	for _, f := range []string{"migration.sql", "snapshot.json"} {
		if !fileExists(filepath.Join(dir, next, f)) {
			t.Errorf("generate did not write %s/%s", next, f)
		}
	}
	if fileExists(filepath.Join(dir, "meta")) {
		t.Error("generate wrote a meta folder into a 1.0 folder")
	}

	kitFindsNothing(t, drizzletest.V1, schemaFile(t, "v5"), dir)
	wroteNothing(t, drizzletest.V1, dir, after, mustExit(t, 0, gen...))

	db, _ := drizzleBuilds(t, drizzletest.V1, dir, len(after), string(desired), sameSchema)

	// status verifies the database against the version-8 snapshot that
	// hogsend-db wrote: every object it names is there.
	doc, r := status(t, db.URL, "--track", "client", "--dir", dir)
	if sc := doc.track(t, "client").Schema; r.Code != 0 || sc == nil || !sc.Verified || sc.Snapshot != next || len(sc.Missing) != 0 {
		t.Fatalf("status against the generated snapshot: %+v\n%s", sc, r)
	}
}
