package journal

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hogsend/hogsend-db/internal/sqllex"
)

// finding is a statement Check refuses: where (a byte offset in the chunk),
// what and what to do.
type finding struct {
	off  int
	err  error
	hint string
}

const (
	stringSettingHint = "hogsend-db checks where each chunk's strings end reading them with standard_conforming_strings = on, and pins it on for its session; " +
		"with it changed, PostgreSQL would read a backslash in a '' string as an escape and split the file differently from the runner and drizzle-orm; " +
		"remove the statement (write backslash escapes as E'...' strings)"
	lockHint = "the migration runs under the advisory lock that keeps a second migrate (or the Node migrator) from applying the same migrations at once; " +
		"released, they can run twice; remove the call (release only locks the migration took itself, by their own key)"
)

// hazard finds in statement s (tokens of src) a change of
// standard_conforming_strings or a release of the migration lock, also in
// the bodies of DO blocks, functions and EXECUTE strings. top says s is a
// whole top-level statement; inside a body, SET and RESET count anywhere.
func hazard(s []sqllex.Token, src string, top bool) *finding {
	for i := range s {
		if top && i > 0 {
			break
		}
		if what := scsChange(s[i:]); what != "" {
			return &finding{s[i].Off, fmt.Errorf("%w: %s", ErrStringSetting, what), stringSettingHint}
		}
	}
	for i := range s {
		t := s[i]
		if what := lockRelease(s[i:]); what != "" {
			return &finding{t.Off, fmt.Errorf("%w: %s", ErrLockRelease, what), lockHint}
		}
		if what := setConfigSCS(s[i:]); what != "" {
			return &finding{t.Off, fmt.Errorf("%w: %s", ErrStringSetting, what), stringSettingHint}
		}
		if t.Kind != sqllex.String || !mentionsHazard(t.Text) {
			continue
		}
		body := t.Text
		toks, _ := sqllex.Lex(body)
		for _, bs := range sqllex.Statements(toks) {
			if f := hazard(bs, body, false); f != nil {
				// A dollar-quoted body is the source text itself: point into
				// it. Other strings unescape, so point at the string.
				if src[t.Off] == '$' {
					f.off += t.Off + strings.IndexByte(src[t.Off+1:], '$') + 2
				} else {
					f.off = t.Off
				}
				return f
			}
		}
	}
	return nil
}

func mentionsHazard(text string) bool {
	l := strings.ToLower(text)
	return strings.Contains(l, "standard_conforming_strings") || strings.Contains(l, "pg_advisory_unlock") || strings.Contains(l, "reset")
}

// isName reports whether t names the identifier name (lower case): a bare
// word in any case, or a quoted identifier spelled exactly so.
func isName(t sqllex.Token, name string) bool {
	return t.Kind == sqllex.Word && t.Text == strings.ToUpper(name) || t.Kind == sqllex.Ident && t.Text == name
}

func isPunct(s []sqllex.Token, i int, p string) bool {
	return i < len(s) && s[i].Kind == sqllex.Punct && s[i].Text == p
}

// scsChange recognises SET [SESSION|LOCAL] standard_conforming_strings to
// anything but on, RESET standard_conforming_strings and RESET ALL.
func scsChange(s []sqllex.Token) string {
	switch {
	case sqllex.IsWords(s, "RESET", "ALL"):
		return "RESET ALL"
	case sqllex.IsWords(s, "RESET") && len(s) > 1 && isName(s[1], "standard_conforming_strings"):
		return "RESET standard_conforming_strings"
	case !sqllex.IsWords(s, "SET"):
		return ""
	}
	rest := s[1:]
	if sqllex.IsWords(rest, "SESSION") || sqllex.IsWords(rest, "LOCAL") {
		rest = rest[1:]
	}
	if len(rest) == 0 || !isName(rest[0], "standard_conforming_strings") {
		return ""
	}
	val := rest[1:]
	if sqllex.IsWords(val, "TO") || isPunct(val, 0, "=") {
		val = val[1:]
	}
	if len(val) == 1 && isOn(val[0]) {
		return ""
	}
	return "SET standard_conforming_strings"
}

// isOn reports whether t spells the boolean on the way PostgreSQL reads it
// in SET: setting it on changes nothing the lexer relies on.
func isOn(t sqllex.Token) bool {
	if t.Kind != sqllex.Word && t.Kind != sqllex.String {
		return false
	}
	switch strings.ToLower(t.Text) {
	case "on", "true", "yes", "1":
		return true
	}
	return false
}

// setConfigSCS recognises set_config('standard_conforming_strings', v, ...)
// with v anything but on.
func setConfigSCS(s []sqllex.Token) string {
	if len(s) < 3 || !isName(s[0], "set_config") || !isPunct(s, 1, "(") ||
		s[2].Kind != sqllex.String || !strings.EqualFold(s[2].Text, "standard_conforming_strings") {
		return ""
	}
	if isPunct(s, 3, ",") && len(s) > 5 && isOn(s[4]) && isPunct(s, 5, ",") {
		return ""
	}
	return "set_config('standard_conforming_strings', ...)"
}

// lockRelease recognises pg_advisory_unlock_all(), and
// pg_advisory_unlock(LockKey) or pg_advisory_unlock_shared(LockKey) (the
// one-argument, bigint form; the key a literal, possibly cast or quoted).
func lockRelease(s []sqllex.Token) string {
	if len(s) < 2 || !isPunct(s, 1, "(") {
		return ""
	}
	if isName(s[0], "pg_advisory_unlock_all") {
		return "pg_advisory_unlock_all()"
	}
	name := ""
	for _, n := range []string{"pg_advisory_unlock", "pg_advisory_unlock_shared"} {
		if isName(s[0], n) {
			name = n
		}
	}
	if name == "" {
		return ""
	}
	i := 2
	for isPunct(s, i, "(") || isPunct(s, i, "+") {
		i++
	}
	key := strconv.FormatInt(LockKey, 10)
	if i >= len(s) || (s[i].Kind != sqllex.Word && s[i].Kind != sqllex.String) || strings.TrimSpace(s[i].Text) != key || isPunct(s, i+1, ",") {
		return ""
	}
	return name + "(" + key + ")"
}

// savepointSet is the savepoints a transactional migration has declared.
type savepointSet map[string]bool

// check records SAVEPOINT s and refuses ROLLBACK TO [SAVEPOINT] s and
// RELEASE [SAVEPOINT] s of an s not declared before in the migration.
func (set savepointSet) check(s []sqllex.Token, src string) error {
	var name []sqllex.Token
	switch {
	case sqllex.IsWords(s, "SAVEPOINT"):
		if len(s) > 1 {
			set[savepointKey(s[1], src)] = true
		}
		return nil
	case sqllex.IsWords(s, "ROLLBACK"):
		rest := s[1:]
		if sqllex.IsWords(rest, "WORK") || sqllex.IsWords(rest, "TRANSACTION") {
			rest = rest[1:]
		}
		if !sqllex.IsWords(rest, "TO") {
			return nil
		}
		name = rest[1:]
	case sqllex.IsWords(s, "RELEASE"):
		name = s[1:]
	default:
		return nil
	}
	if sqllex.IsWords(name, "SAVEPOINT") && len(name) > 1 {
		name = name[1:]
	}
	if len(name) == 0 || set[savepointKey(name[0], src)] {
		return nil
	}
	return fmt.Errorf("%w: %s %s", ErrUnknownSavepoint, s[0].Text, src[name[0].Off:name[0].End])
}

// savepointKey is a savepoint's name as PostgreSQL compares it: a bare
// name folded to lower case (ASCII), a quoted one exact.
func savepointKey(t sqllex.Token, src string) string {
	if t.Kind == sqllex.Ident {
		return t.Text
	}
	b := []byte(src[t.Off:t.End])
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
