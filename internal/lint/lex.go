package lint

import "github.com/hogsend/hogsend-db/internal/sqllex"

// The lexer has one home, internal/sqllex; these names keep lint's rules
// short.
type (
	token   = sqllex.Token
	tokKind = sqllex.Kind
)

const (
	tokWord   = sqllex.Word
	tokIdent  = sqllex.Ident
	tokString = sqllex.String
	tokPunct  = sqllex.Punct
)

// lex cuts SQL into tokens, skipping whitespace and comments.
func lex(sql string) []token {
	toks, _ := sqllex.Lex(sql)
	return toks
}

func findWords(toks []token, ws ...string) int { return sqllex.FindWords(toks, ws...) }

// statements splits tokens into SQL statements on top-level ";".
func statements(toks []token) [][]token { return sqllex.Statements(toks) }
