package pgtest

import (
	"context"
	"testing"
)

func TestPool(t *testing.T) {
	db := New(t)
	pool := db.Pool(t)
	var name string
	if err := pool.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != db.Name {
		t.Fatalf("pool connects to %q, want %q", name, db.Name)
	}
}
