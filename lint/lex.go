package lint

import "strings"

// tokKind is the kind of a SQL token.
type tokKind int

const (
	tokWord   tokKind = iota // keyword or bare identifier, Text upper-cased
	tokIdent                 // "quoted identifier", Text unquoted
	tokString                // 'literal' (also E'', $$...$$), Text unquoted
	tokPunct                 // one other character
)

// token is one lexical token of a statement; Off is its byte offset.
type token struct {
	Kind tokKind
	Text string
	Off  int // byte offset of the token's first character
	End  int // byte offset just past the token
}

// lex cuts PostgreSQL SQL into tokens, skipping whitespace and comments.
// It understands what matters for finding keywords: -- and nested /* */
// comments, single-quoted and E-quoted strings, quoted identifiers and
// dollar-quoted bodies. It is not
// a parser: numbers and operators come out as punctuation and words.
func lex(sql string) []token {
	var out []token
	i := 0
	for i < len(sql) {
		c := sql[i]
		n := len(out)
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth := 0
			for i < len(sql) {
				if strings.HasPrefix(sql[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(sql[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'' || ((c == 'E' || c == 'e') && i+1 < len(sql) && sql[i+1] == '\''):
			start := i
			escapes := c != '\''
			if escapes {
				i++
			}
			text, next := unquote(sql, i+1, '\'', escapes)
			out = append(out, token{Kind: tokString, Text: text, Off: start})
			i = next
		case c == '"':
			text, next := unquote(sql, i+1, '"', false)
			out = append(out, token{Kind: tokIdent, Text: text, Off: i})
			i = next
		case c == '$':
			if tag, ok := dollarTag(sql[i:]); ok {
				start := i
				i += len(tag)
				end := strings.Index(sql[i:], tag)
				if end < 0 {
					out = append(out, token{Kind: tokString, Text: sql[i:], Off: start})
					i = len(sql)
				} else {
					out = append(out, token{Kind: tokString, Text: sql[i : i+end], Off: start})
					i += end + len(tag)
				}
			} else {
				out = append(out, token{Kind: tokPunct, Text: "$", Off: i})
				i++
			}
		case isWordByte(c):
			start := i
			for i < len(sql) && (isWordByte(sql[i]) || sql[i] == '$') {
				i++
			}
			out = append(out, token{Kind: tokWord, Text: strings.ToUpper(sql[start:i]), Off: start})
		default:
			out = append(out, token{Kind: tokPunct, Text: string(c), Off: i})
			i++
		}
		if len(out) > n {
			out[n].End = i
		}
	}
	return out
}

// unquote reads a quoted string or identifier whose body starts at sql[i]
// and ends at the closing q (a doubled q stands for one; with escapes, a
// backslash escapes the next byte, as in E'a\'b'). It returns the body and
// the offset just past the closing quote (len(sql) when unterminated).
func unquote(sql string, i int, q byte, escapes bool) (string, int) {
	var b strings.Builder
	for i < len(sql) {
		switch {
		case escapes && sql[i] == '\\' && i+1 < len(sql):
			b.WriteByte(sql[i+1])
			i += 2
		case sql[i] == q && i+1 < len(sql) && sql[i+1] == q:
			b.WriteByte(q)
			i += 2
		case sql[i] == q:
			return b.String(), i + 1
		default:
			b.WriteByte(sql[i])
			i++
		}
	}
	return b.String(), i
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// dollarTag returns the opening $tag$ at the start of s.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || (j > 1 && c >= '0' && c <= '9'):
		default:
			return "", false
		}
	}
	return "", false
}

// words reports the index of the first token sequence matching the
// upper-case keywords ws, or -1.
func findWords(toks []token, ws ...string) int {
	for i := 0; i+len(ws) <= len(toks); i++ {
		ok := true
		for k, w := range ws {
			if toks[i+k].Kind != tokWord || toks[i+k].Text != w {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// statements splits tokens into SQL statements on ";".
func statements(toks []token) [][]token {
	var out [][]token
	start := 0
	for i, t := range toks {
		if t.Kind == tokPunct && t.Text == ";" {
			if i > start {
				out = append(out, toks[start:i])
			}
			start = i + 1
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}
