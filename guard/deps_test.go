package guard

import (
	"os/exec"
	"strings"
	"testing"
)

// Servers vendor guard, so it must stay light: no Atlas, no CLI libraries.
// The example server is checked too, since it is what a server looks like.
func TestDependencies(t *testing.T) {
	forbidden := []string{"ariga.io/atlas", "github.com/charmbracelet/", "github.com/urfave/cli", "github.com/muesli/"}
	for _, pkg := range []string{"github.com/hogsend/hogsend-db/guard", "github.com/hogsend/hogsend-db/examples/server"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 || !strings.Contains(string(out), "github.com/hogsend/hogsend-db/tracks") {
			t.Fatalf("go list -deps %s: implausible output:\n%s", pkg, out)
		}
		for _, d := range deps {
			for _, f := range forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
	}
}
