package generate

import "strings"

// This file is a copy of lint/lex.go's lexer (unexported there), kept to
// the shape of the shared internal/sqllex package that is replacing it:
// when that package lands, this file becomes
//
//	type sqlToken = sqllex.Token
//	func lexSQL(sql string) []sqlToken { t, _ := sqllex.Lex(sql); return t }
//
// with the kinds renamed, and nothing else in generate changes.

// sqlKind is the kind of a SQL token.
type sqlKind int

const (
	tokWord   sqlKind = iota // keyword or bare identifier, Text upper-cased
	tokIdent                 // "quoted identifier", Text unquoted
	tokString                // 'literal' (also E'', $$...$$), Text unquoted
	tokPunct                 // one other character
)

// sqlToken is one lexical token; Off and End are byte offsets.
type sqlToken struct {
	Kind sqlKind
	Text string
	Off  int // the token's first byte
	End  int // just past the token
}

// lexSQL cuts PostgreSQL SQL into tokens, skipping whitespace and
// comments (-- and nested /* */), and keeps strings, quoted identifiers
// and dollar-quoted bodies whole. It is not a parser: numbers and
// operators come out as words and punctuation.
func lexSQL(sql string) []sqlToken {
	var out []sqlToken
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
			text, next := unquoteSQL(sql, i+1, '\'', escapes)
			out = append(out, sqlToken{Kind: tokString, Text: text, Off: start})
			i = next
		case c == '"':
			text, next := unquoteSQL(sql, i+1, '"', false)
			out = append(out, sqlToken{Kind: tokIdent, Text: text, Off: i})
			i = next
		case c == '$':
			if tag, ok := dollarTag(sql[i:]); ok {
				start := i
				i += len(tag)
				end := strings.Index(sql[i:], tag)
				if end < 0 {
					out = append(out, sqlToken{Kind: tokString, Text: sql[i:], Off: start})
					i = len(sql)
				} else {
					out = append(out, sqlToken{Kind: tokString, Text: sql[i : i+end], Off: start})
					i += end + len(tag)
				}
			} else {
				out = append(out, sqlToken{Kind: tokPunct, Text: "$", Off: i})
				i++
			}
		case isWordByte(c):
			start := i
			for i < len(sql) && (isWordByte(sql[i]) || sql[i] == '$') {
				i++
			}
			out = append(out, sqlToken{Kind: tokWord, Text: strings.ToUpper(sql[start:i]), Off: start})
		default:
			out = append(out, sqlToken{Kind: tokPunct, Text: string(c), Off: i})
			i++
		}
		if len(out) > n {
			out[n].End = i
		}
	}
	return out
}

// unquoteSQL reads a quoted string or identifier whose body starts at
// sql[i] and ends at the closing q (a doubled q stands for one; with
// escapes, a backslash escapes the next byte). It returns the body and the
// offset just past the closing quote (len(sql) when unterminated).
func unquoteSQL(sql string, i int, q byte, escapes bool) (string, int) {
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
