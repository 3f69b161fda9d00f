package schemastate_test

import (
	"testing"

	"github.com/hogsend/hogsend-db/internal/schemastate"
)

func TestStripParensAndCanonicalDefault(t *testing.T) {
	for _, tc := range []struct{ in, strip, canon string }{
		{"(a > 0)", "a > 0", "a > 0"},
		{" ((now())) ", "(now())", "now()"},
		{"(CURRENT_TIMESTAMP)", "CURRENT_TIMESTAMP", "now()"},
		{"(a) + (b)", "(a) + (b)", "(a) + (b)"},
		{"(')' = x)", "')' = x", "')' = x"},
		{"()", "()", "()"},
		{"'x'::text", "'x'::text", "'x'::text"},
	} {
		if got := schemastate.StripParens(tc.in); got != tc.strip {
			t.Errorf("StripParens(%q) = %q, want %q", tc.in, got, tc.strip)
		}
		if got := schemastate.CanonicalDefault(tc.in); got != tc.canon {
			t.Errorf("CanonicalDefault(%q) = %q, want %q", tc.in, got, tc.canon)
		}
	}
}
