package tracks

import (
	"testing"

	"github.com/hashicorp/go-version"
)

// TestMajorOfAgreesWithGoVersion: the plain MAJOR.MINOR.PATCH shortcut
// reads every release as go-version does, and leaves the rest to it.
func TestMajorOfAgreesWithGoVersion(t *testing.T) {
	for _, v := range []string{
		"1.4.0", "0.0.0", "10.20.30", "01.2.3", "007.0.0", "2.0", "2", "v2.0.0", "2.0.0-rc.1", "2.0.0+build.5",
		"1.2.3.4", "1..3", ".1.2", "1.2.", "", "garbage", " 1.2.3", "1.2.3 ", "1.2.x", "-1.2.3", "+1.2.3",
		"999999999999999999.0.0", "9999999999999999999.0.0", "1.99999999999999999999.0", "1.2.99999999999999999999",
		"１.2.3", "1.2.3-", "1.2.3\n",
	} {
		got, ok := majorOf(v)
		p, err := version.NewVersion(v)
		if ok != (err == nil) || (ok && got != p.Segments64()[0]) {
			t.Errorf("majorOf(%q) = %d, %v; go-version says %v, %v", v, got, ok, p, err)
		}
	}
}

func FuzzMajorOf(f *testing.F) {
	for _, v := range []string{"1.4.0", "v2.0.0-rc.1", "01.2.3", "1.2", "9999999999999999999.0.0"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := majorOf(v)
		p, err := version.NewVersion(v)
		if ok != (err == nil) || (ok && got != p.Segments64()[0]) {
			t.Errorf("majorOf(%q) = %d, %v; go-version says %v, %v", v, got, ok, p, err)
		}
	})
}
