package lint

import (
	"strings"

	"github.com/hogsend/hogsend-db/journal"
)

// IgnoreDirective starts a suppression comment:
//
//	-- hogsend-db:lint-ignore <CODE>[,<CODE>...] <reason>
//
// It applies to the next statement: the SQL that follows it in the same
// chunk, or the next chunk when nothing follows it.
const IgnoreDirective = "hogsend-db:lint-ignore"

// suppression is one parsed directive.
type suppression struct {
	Codes  []string
	Reason string
	Off    int // byte offset of the directive in the file
	Stmt   int // index of the statement it applies to, -1 if none follows
	used   bool
}

// parseSuppressions finds the directives of a migration file.
func parseSuppressions(sql string, stmts []journal.Statement, toks [][]token) []*suppression {
	var out []*suppression
	for i, st := range stmts {
		lineStart := 0
		for lineStart <= len(st.SQL) {
			end := strings.IndexByte(st.SQL[lineStart:], '\n')
			if end < 0 {
				end = len(st.SQL) - lineStart
			}
			line := st.SQL[lineStart : lineStart+end]
			trimmed := strings.TrimLeft(line, " \t\ufeff")
			at := lineStart + (len(line) - len(trimmed))
			if s, ok := parseDirective(trimmed); ok && !insideToken(toks[i], at) {
				s.Off = st.Offset + at
				s.Stmt = -1
				if hasTokenAfter(toks[i], at) {
					s.Stmt = i
				} else {
					for k := i + 1; k < len(stmts); k++ {
						if len(toks[k]) > 0 {
							s.Stmt = k
							break
						}
					}
				}
				out = append(out, s)
			}
			lineStart += end + 1
		}
	}
	return out
}

// parseDirective reads "-- hogsend-db:lint-ignore CODES reason".
func parseDirective(line string) (*suppression, bool) {
	rest, ok := strings.CutPrefix(line, "--")
	if !ok {
		return nil, false
	}
	rest = strings.TrimSpace(strings.TrimRight(rest, "\r"))
	rest, ok = strings.CutPrefix(rest, IgnoreDirective)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return nil, false
	}
	fields := strings.Fields(rest)
	s := &suppression{}
	if len(fields) > 0 {
		for _, c := range strings.Split(fields[0], ",") {
			if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
				s.Codes = append(s.Codes, c)
			}
		}
		codes := strings.Index(rest, fields[0]) + len(fields[0])
		s.Reason = strings.TrimSpace(rest[codes:])
	}
	return s, true
}

func (s *suppression) covers(code string) bool {
	for _, c := range s.Codes {
		if c == code {
			return true
		}
	}
	return false
}

// insideToken reports whether off falls inside a string or identifier
// token (a "--" there is not a comment).
func insideToken(toks []token, off int) bool {
	for _, t := range toks {
		if (t.Kind == tokString || t.Kind == tokIdent) && t.Off < off && off < t.End {
			return true
		}
	}
	return false
}

func hasTokenAfter(toks []token, off int) bool {
	for _, t := range toks {
		if t.Off > off {
			return true
		}
	}
	return false
}
