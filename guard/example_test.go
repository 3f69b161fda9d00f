package guard_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hogsend/hogsend-db/guard"
)

// A server checks the schema before it serves: two lines. A database behind
// the build's engine migrations stops it with the boot message.
func ExampleBoot() {
	databaseURL, done := guard.NewExampleDatabase(true) // a migrated database
	defer done()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	// The app's drizzle-kit folder (here one with no migrations yet).
	g, err := guard.Boot(ctx, pool, guard.WithClientMigrations(os.DirFS("testdata/migrations")))
	if err != nil {
		log.Fatal(err) // Database schema is out of date: ... Run "hogsend-db migrate", ...
	}

	fmt.Println(g.Check(ctx).Status)
	// Output: healthy
}

// On a database where migrate has not run, Boot fails with
// ErrSchemaBehind; the message names the pending migrations.
func ExampleBoot_behind() {
	databaseURL, done := guard.NewExampleDatabase(false) // an empty database
	defer done()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	_, err = guard.Boot(ctx, pool)
	var behind *guard.BehindError
	fmt.Println(errors.Is(err, guard.ErrSchemaBehind), errors.As(err, &behind) && behind.Applied == "")
	// Output: true true
}

// One line mounts the health endpoint: 200 for "healthy" and
// "migration_pending", 503 for "degraded".
func ExampleGuard_Handler() {
	databaseURL, done := guard.NewExampleDatabase(true)
	defer done()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	g, err := guard.Boot(ctx, pool)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()

	mux.Handle("GET /v1/health", g.Handler())

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/health", nil))
	var doc struct {
		Status string `json:"status"`
		Schema map[string]struct {
			InSync bool `json:"inSync"`
		} `json:"schema"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Code, doc.Status, doc.Schema["engine"].InSync, doc.Schema["client"].InSync)
	// Output: 200 healthy true true
}
