// Package sqllex is the project's one PostgreSQL lexer. It is standard
// library only, so journal (and through it guard) may import it.
//
// It reads SQL as PostgreSQL does with standard_conforming_strings = on
// (a backslash in a ” string is an ordinary character); sessions that run
// SQL this lexer has checked pin it with Pin.
//
// It understands what decides where a statement ends: -- line comments
// (ended by a line feed or a carriage return),
// nested /* */ block comments, single-quoted strings (a doubled quote
// escapes one), E-prefixed strings with backslash escapes, "quoted identifiers" and dollar quotes with any tag
// ($$, $tag$). It is not a parser: numbers and operators come out as words
// and punctuation.
package sqllex

import "strings"

// Kind is the kind of a token.
type Kind int

const (
	Word   Kind = iota // keyword or bare identifier, Text upper-cased
	Ident              // "quoted identifier", Text unquoted
	String             // 'literal' (also E'', $$...$$), Text unquoted
	Punct              // one other character
)

// Token is one lexical token.
type Token struct {
	Kind Kind
	Text string
	Off  int // byte offset of the token's first character
	End  int // byte offset just past the token
}

// Construct names a lexical construct that can be left open.
type Construct string

const (
	OpenString       Construct = "string literal"
	OpenEscapeString Construct = "E'' string"
	OpenIdent        Construct = "quoted identifier"
	OpenDollar       Construct = "dollar quote"
	OpenComment      Construct = "block comment"
)

// Open is a construct that runs to the end of the input without closing.
type Open struct {
	Construct Construct
	Tag       string // the dollar quote's tag, e.g. "$$" or "$body$"
	Off       int    // byte offset where it starts
}

// What describes the construct in a user's words.
func (o *Open) What() string {
	if o.Construct == OpenDollar {
		return "dollar quote " + o.Tag
	}
	return string(o.Construct)
}

// Lex cuts sql into tokens, skipping whitespace and comments. open is the
// construct left unterminated at the end of sql, or nil when sql is
// lexically complete.
func Lex(sql string) (toks []Token, open *Open) {
	i := 0
	for i < len(sql) {
		c := sql[i]
		n := len(toks)
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			i = commentEnd(sql, i)
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			if end := blockCommentEnd(sql, i); end >= 0 {
				i = end
				break
			}
			if open == nil {
				open = &Open{Construct: OpenComment, Off: i}
			}
			i = len(sql)
		case c == '\'' || ((c == 'E' || c == 'e') && i+1 < len(sql) && sql[i+1] == '\''):
			start := i
			escapes := c != '\''
			if escapes {
				i++
			}
			text, next, closed := unquote(sql, i+1, '\'', escapes)
			toks = append(toks, Token{Kind: String, Text: text, Off: start})
			i = next
			if !closed && open == nil {
				open = &Open{Construct: OpenString, Off: start}
				if escapes {
					open.Construct = OpenEscapeString
				}
			}
		case c == '"':
			text, next, closed := unquote(sql, i+1, '"', false)
			toks = append(toks, Token{Kind: Ident, Text: text, Off: i})
			if !closed && open == nil {
				open = &Open{Construct: OpenIdent, Off: i}
			}
			i = next
		case c == '$':
			if tag, ok := dollarTag(sql[i:]); ok {
				start := i
				i += len(tag)
				end := strings.Index(sql[i:], tag)
				if end < 0 {
					toks = append(toks, Token{Kind: String, Text: sql[i:], Off: start})
					i = len(sql)
					if open == nil {
						open = &Open{Construct: OpenDollar, Tag: tag, Off: start}
					}
				} else {
					toks = append(toks, Token{Kind: String, Text: sql[i : i+end], Off: start})
					i += end + len(tag)
				}
			} else {
				toks = append(toks, Token{Kind: Punct, Text: "$", Off: i})
				i++
			}
		case isWordByte(c):
			start := i
			for i < len(sql) && (isWordByte(sql[i]) || sql[i] == '$') {
				i++
			}
			toks = append(toks, Token{Kind: Word, Text: strings.ToUpper(sql[start:i]), Off: start})
		default:
			toks = append(toks, Token{Kind: Punct, Text: string(c), Off: i})
			i++
		}
		if len(toks) > n {
			toks[n].End = i
		}
	}
	return toks, open
}

// commentEnd returns the offset where the -- comment starting at sql[i]
// ends: at the next line feed or carriage return, as PostgreSQL's lexer
// says (comment = "--" followed by any characters but \n and \r). A
// lexer that read on to \n would hide "-- x\rCOMMIT;" from every check.
func commentEnd(sql string, i int) int {
	if j := strings.IndexAny(sql[i:], "\n\r"); j >= 0 {
		return i + j
	}
	return len(sql)
}

// FirstToken returns the byte offset of the first token of sql: whitespace
// and complete comments skipped. When sql holds no token, it is the offset
// of the first character that is not whitespace (a comment, or an
// unterminated one), and len(sql) when sql is all whitespace.
func FirstToken(sql string) int {
	first := -1
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		}
		if first < 0 {
			first = i
		}
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			i = commentEnd(sql, i)
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := blockCommentEnd(sql, i)
			if end < 0 {
				return first
			}
			i = end
		default:
			return i
		}
	}
	if first < 0 {
		return len(sql)
	}
	return first
}

// blockCommentEnd returns the offset just past the (nested) block comment
// starting at sql[i], or -1 when it does not close.
func blockCommentEnd(sql string, i int) int {
	depth := 0
	for i < len(sql) {
		if strings.HasPrefix(sql[i:], "/*") {
			depth++
			i += 2
		} else if strings.HasPrefix(sql[i:], "*/") {
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		} else {
			i++
		}
	}
	return -1
}

// unquote reads a quoted string or identifier whose body starts at sql[i]
// and ends at the closing q (a doubled q stands for one; with escapes, a
// backslash escapes the next byte, as in E'a\'b'). It returns the body, the
// offset just past the closing quote (len(sql) when unterminated) and
// whether the quote closed.
func unquote(sql string, i int, q byte, escapes bool) (string, int, bool) {
	var b strings.Builder
	for i < len(sql) {
		switch {
		case escapes && sql[i] == '\\' && i+1 < len(sql):
			b.WriteByte(sql[i+1])
			i += 2
		case escapes && sql[i] == '\\':
			return b.String(), len(sql), false
		case sql[i] == q && i+1 < len(sql) && sql[i+1] == q:
			b.WriteByte(q)
			i += 2
		case sql[i] == q:
			return b.String(), i + 1, true
		default:
			b.WriteByte(sql[i])
			i++
		}
	}
	return b.String(), i, false
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

// FindWords reports the index of the first token sequence matching the
// upper-case keywords ws, or -1.
func FindWords(toks []Token, ws ...string) int {
	for i := 0; i+len(ws) <= len(toks); i++ {
		if IsWords(toks[i:], ws...) {
			return i
		}
	}
	return -1
}

// IsWords reports whether toks starts with the upper-case keywords ws.
func IsWords(toks []Token, ws ...string) bool {
	if len(toks) < len(ws) {
		return false
	}
	for k, w := range ws {
		if toks[k].Kind != Word || toks[k].Text != w {
			return false
		}
	}
	return true
}

// Statements splits tokens into SQL statements on top-level ";". A ";"
// inside a SQL-standard function body (BEGIN ATOMIC ... END) does not end
// the statement, as PostgreSQL's grammar says.
func Statements(toks []Token) [][]Token {
	var out [][]Token
	start, depth := 0, 0
	for i, t := range toks {
		switch {
		case t.Kind == Word && t.Text == "ATOMIC" && i > start && toks[i-1].Kind == Word && toks[i-1].Text == "BEGIN":
			depth++
		case depth > 0 && t.Kind == Word && t.Text == "CASE":
			depth++
		case depth > 0 && t.Kind == Word && t.Text == "END":
			depth--
		case depth == 0 && t.Kind == Punct && t.Text == ";":
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

// OpenAtomic returns the BEGIN ATOMIC token of a SQL-standard function body
// that toks leave without its END, or nil. A statement separator inside
// such a body belongs to the body.
func OpenAtomic(toks []Token) *Token {
	var at *Token
	depth := 0
	for i := range toks {
		t := &toks[i]
		switch {
		case t.Kind == Word && t.Text == "ATOMIC" && i > 0 && toks[i-1].Kind == Word && toks[i-1].Text == "BEGIN":
			if depth == 0 {
				at = &toks[i-1]
			}
			depth++
		case depth > 0 && t.Kind == Word && t.Text == "CASE":
			depth++
		case depth > 0 && t.Kind == Word && t.Text == "END":
			depth--
		}
	}
	if depth > 0 {
		return at
	}
	return nil
}

// Pin sets, in a connection's startup parameters, the settings this lexer
// assumes: standard_conforming_strings = on. A startup parameter outranks
// the server's, the database's and the role's defaults, so a server (or an
// ALTER DATABASE ... SET) with it off cannot make PostgreSQL read a
// backslash in a ” string as an escape where this lexer does not, which
// would put the runner's glue inside user data. journal's Check refuses
// migrations that change it.
func Pin(params map[string]string) {
	params["standard_conforming_strings"] = "on"
}
