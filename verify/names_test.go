package verify

import (
	"strings"
	"testing"
)

// The expected values are PostgreSQL 17's, read from a live server.
func TestStoredName(t *testing.T) {
	long := strings.Repeat("a", 62)
	for in, want := range map[string]string{
		"short":                 "short",
		long + "b":              long + "b",              // 63 bytes: kept
		long + "bc":             long + "b",              // 64 bytes: cut
		long + "é":              long,                    // the cut falls inside é: back to its start
		long + "bé":             long + "b",              // 65 bytes
		strings.Repeat("é", 40): strings.Repeat("é", 31), // 62 bytes
	} {
		if got := StoredName(in); got != want {
			t.Errorf("StoredName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChosenName(t *testing.T) {
	for _, c := range []struct{ n1, n2, label, want string }{
		{"t", "c", "key", "t_c_key"},
		// the longer part shrinks first, then both in turn
		{"customer_subscription_plans_catalogue", "plan_identifier_code_for_external_billing", "key",
			"customer_subscription_plans_c_plan_identifier_code_for_exte_key"},
		// each part is clipped to a character boundary afterwards
		{"tbl_" + strings.Repeat("é", 29), "col_" + strings.Repeat("ü", 29), "key",
			"tbl_" + strings.Repeat("é", 12) + "_col_" + strings.Repeat("ü", 12) + "_key"},
		{strings.Repeat("p", 70), "", "pkey", strings.Repeat("p", 58) + "_pkey"},
	} {
		if got := chosenName(c.n1, c.n2, c.label); got != c.want {
			t.Errorf("chosenName(%q, %q, %q) = %q, want %q", c.n1, c.n2, c.label, got, c.want)
		}
	}
}
