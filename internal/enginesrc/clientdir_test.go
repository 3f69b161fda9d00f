package enginesrc

import (
	"os"
	"path/filepath"
	"testing"
)

// The default client folder is the app's, from any folder inside the app;
// outside an app it stays ./migrations.
func TestClientDir(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "my-app")
	nested := filepath.Join(app, "src", "schema")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := ClientDir(nested); got != "./migrations" {
		t.Errorf("no app root above: %q, want ./migrations", got)
	}
	if err := os.WriteFile(filepath.Join(app, "package.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for start, want := range map[string]string{
		app:    "./migrations",
		nested: filepath.Join(app, "migrations"),
	} {
		if got := ClientDir(start); got != want {
			t.Errorf("ClientDir(%s) = %q, want %q", start, got, want)
		}
	}
	// A folder with its own migrations keeps them.
	if err := os.MkdirAll(filepath.Join(nested, "migrations"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := ClientDir(nested); got != "./migrations" {
		t.Errorf("own migrations folder: %q", got)
	}
}
