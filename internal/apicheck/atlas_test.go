package apicheck_test

import (
	"strings"
	"testing"
)

// TestNoAtlasOutsideInternal keeps Atlas out of the importable API: a package
// outside internal/ that does not depend on Atlas cannot name an Atlas type in
// an exported identifier, so this module's semver is not tied to Atlas's.
// Main packages (cmd/hogsend-db, bench) cannot be imported and may use it.
func TestNoAtlasOutsideInternal(t *testing.T) {
	checked := 0
	for _, p := range packages(t) {
		rel := p.rel()
		if p.Name == "main" || rel == "internal" || strings.HasPrefix(rel, "internal/") {
			continue
		}
		checked++
		for _, d := range p.Deps {
			if d == "ariga.io/atlas" || strings.HasPrefix(d, "ariga.io/atlas/") {
				t.Errorf("%s depends on %s: only internal/ and main packages may use Atlas", rel, d)
				break
			}
		}
	}
	// journal, ledger, tracks, engine, guard, verify at least.
	if checked < 6 {
		t.Fatalf("checked %d importable packages; go list output is not what this test expects", checked)
	}
}
