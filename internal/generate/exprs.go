package generate

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/hogsend/hogsend-db/internal/sqllex"
)

// This file reads expressions back out of a desired schema written by
// `drizzle-kit export`, so the snapshot can store them as drizzle-kit does.
//
// drizzle-kit's serializer stores a check's value, an index's where, an
// index's expression columns, a column's SQL default and a generated
// column's expression as the text the TypeScript's sql`` produced,
// unchanged (its snapshot diff compares those strings exactly).
// `drizzle-kit export` prints the same values through fixed templates, in
// 0.31 and in 1.0 alike (1.0 leaves out `USING btree`):
//
//	CONSTRAINT "<name>" CHECK (<value>)                      (inside CREATE TABLE)
//	ALTER TABLE <t> ADD CONSTRAINT "<name>" CHECK (<value>);
//	CREATE [UNIQUE] INDEX "<name>" ON <t>[ USING <m>] (<col>,<col>…)[ WITH (…)][ WHERE <where>];
//	"<column>" <type>[ PRIMARY KEY] DEFAULT <default>[ GENERATED …| NOT NULL| CONSTRAINT …]
//	"<column>" <type> GENERATED ALWAYS AS (<as>) STORED
//
// so the bytes between the template's delimiters are the snapshot's value.
// An index column that is an expression is printed as its text alone
// (drizzle-kit stores it with asc, nulls last and no operator class, so
// nothing is appended), joined by "," without a space. drizzle-kit 1.0
// prints an enum column's default with a cast (`'open'::"state"`) that its
// snapshot does not hold; the version-8 conversion strips it as drizzle-kit
// does (defaultSuffix). PostgreSQL re-prints all of these (`"t"."n" >= 0`
// comes back as `n >= 0`, `lower("n")` as `lower(n)`), and drizzle-kit would
// see the re-printed text as a change.

// drizzleExprs holds those texts keyed by object. A nil *drizzleExprs
// knows nothing: every lookup misses and the catalog's text is used.
type drizzleExprs struct {
	vals map[string]string // kind + " " + key -> text
	dup  map[string]bool   // keys defined twice: ambiguous, never used
}

// Kinds of captured expressions.
const (
	exprCheck     = "check"     // schema.table.constraint
	exprWhere     = "where"     // schema.index
	exprDefault   = "default"   // schema.table.column
	exprGenerated = "generated" // schema.table.column
	exprIndexCol  = "indexcol"  // schema.index.position (0-based)
)

// lookup returns the text captured for an object.
func (x *drizzleExprs) lookup(kind string, parts ...string) (string, bool) {
	if x == nil {
		return "", false
	}
	k := kind + " " + joinKey(parts)
	if x.dup[k] {
		return "", false
	}
	v, ok := x.vals[k]
	return v, ok
}

// add records a text; an empty one (`CHECK ()`, `AS ()`) is no
// expression, and PostgreSQL rejects it anyway.
func (x *drizzleExprs) add(kind string, value string, parts ...string) {
	if value == "" {
		return
	}
	k := kind + " " + joinKey(parts)
	if x.dup[k] {
		return
	}
	if _, ok := x.vals[k]; ok {
		delete(x.vals, k)
		x.dup[k] = true
		return
	}
	x.vals[k] = value
}

func joinKey(parts []string) string { return strings.Join(parts, ".") }

// captureExprs reads the desired schema's expressions as drizzle-kit
// export wrote them. Statements in another shape (unquoted names, other
// spacing) contribute nothing, and their objects keep the catalog's text.
// It returns nil, so nothing is used at all, when a statement could change
// an object after it was created (ALTER … ALTER COLUMN, DROP, RENAME, SET,
// DO, …): drizzle-kit export writes none of those, and the text of the
// creating statement might then no longer describe the object.
func captureExprs(files []SchemaFile) *drizzleExprs {
	x := &drizzleExprs{vals: map[string]string{}, dup: map[string]bool{}}
	for _, f := range files {
		toks, _ := sqllex.Lex(f.SQL)
		start := 0
		for i := 0; i <= len(toks); i++ {
			if i < len(toks) && !(toks[i].Kind == sqllex.Punct && toks[i].Text == ";") {
				continue
			}
			st := toks[start:i]
			end := len(f.SQL)
			if i < len(toks) {
				end = toks[i].Off
			} else if len(st) > 0 {
				end = st[len(st)-1].End
			}
			start = i + 1
			if len(st) > 0 && !x.statement(f.SQL, st, end) {
				return nil
			}
		}
	}
	return x
}

// statement captures from one statement (end: the offset of its ";", or
// just past its last token). It reports false for a statement that
// drizzle-kit export does not write and that may change existing objects.
func (x *drizzleExprs) statement(src string, t []sqllex.Token, end int) bool {
	switch {
	case isWord(t, 0, "CREATE"):
		switch {
		case isWord(t, 1, "TABLE"):
			x.createTable(src, t[2:])
		case isWord(t, 1, "INDEX"):
			x.createIndex(src, t[2:], end)
		case isWord(t, 1, "UNIQUE") && isWord(t, 2, "INDEX"):
			x.createIndex(src, t[3:], end)
		}
		return true
	case isWord(t, 0, "ALTER") && isWord(t, 1, "TABLE"):
		return x.alterTable(src, t[2:])
	case isWord(t, 0, "COMMENT"), isWord(t, 0, "GRANT"), isWord(t, 0, "REVOKE"):
		return true
	}
	return false
}

// alterTable accepts what drizzle-kit writes after its CREATE TABLEs:
// ADD CONSTRAINT … FOREIGN KEY / UNIQUE / PRIMARY KEY / CHECK (captured),
// and ENABLE ROW LEVEL SECURITY.
func (x *drizzleExprs) alterTable(src string, t []sqllex.Token) bool {
	schema, table, i, quoted := tableName(t, 0)
	if i < 0 {
		return false
	}
	if isWord(t, i, "ENABLE") && isWord(t, i+1, "ROW") && isWord(t, i+2, "LEVEL") && isWord(t, i+3, "SECURITY") && i+4 == len(t) {
		return true
	}
	if !isWord(t, i, "ADD") || !isWord(t, i+1, "CONSTRAINT") || i+2 >= len(t) {
		return false
	}
	name := t[i+2]
	k := i + 3
	switch {
	case isWord(t, k, "FOREIGN") && isWord(t, k+1, "KEY"), isWord(t, k, "UNIQUE"), isWord(t, k, "PRIMARY") && isWord(t, k+1, "KEY"):
		return true
	case isWord(t, k, "CHECK") && isPunct(t, k+1, "("):
		if m := matchParen(t, k+1); m == len(t)-1 && quoted && name.Kind == sqllex.Ident {
			x.add(exprCheck, src[t[k+1].End:t[m].Off], schema, table, name.Text)
		}
		return true
	}
	return false
}

// createTable captures column defaults, generated expressions and checks
// from CREATE TABLE "t" (…) as drizzle-kit writes it.
func (x *drizzleExprs) createTable(src string, t []sqllex.Token) {
	schema, table, i, quoted := tableName(t, 0)
	if i < 0 || !quoted || !isPunct(t, i, "(") {
		return
	}
	closing := matchParen(t, i)
	if closing < 0 {
		return
	}
	// Elements are separated by commas outside brackets.
	a, depth := i+1, 0
	for j := i + 1; j <= closing; j++ {
		switch {
		case j == closing || depth == 0 && isPunct(t, j, ","):
			if j > a {
				x.tableElement(src, t[a:j], t[j], j == closing, schema, table)
			}
			a = j + 1
		case isPunct(t, j, "(") || isPunct(t, j, "["):
			depth++
		case isPunct(t, j, ")") || isPunct(t, j, "]"):
			depth--
		}
	}
}

// tableElement captures from one column or table constraint; next is the
// "," or ")" after it (last: it is the table's closing parenthesis).
func (x *drizzleExprs) tableElement(src string, e []sqllex.Token, next sqllex.Token, last bool, schema, table string) {
	if isWord(e, 0, "CONSTRAINT") && len(e) > 3 && e[1].Kind == sqllex.Ident && isWord(e, 2, "CHECK") && isPunct(e, 3, "(") {
		if m := matchParen(e, 3); m == len(e)-1 {
			x.add(exprCheck, src[e[3].End:e[m].Off], schema, table, e[1].Text)
		}
		return
	}
	if e[0].Kind != sqllex.Ident {
		return
	}
	column := e[0].Text
	depth := 0
	for j := 1; j < len(e); j++ {
		switch {
		case isPunct(e, j, "(") || isPunct(e, j, "["):
			depth++
		case isPunct(e, j, ")") || isPunct(e, j, "]"):
			depth--
		case depth > 0:
		case isWord(e, j, "DEFAULT"):
			if v, ok := defaultValue(src, e, j, next, last); ok {
				x.add(exprDefault, v, schema, table, column)
			}
		case isWord(e, j, "GENERATED") && isWord(e, j+1, "ALWAYS") && isWord(e, j+2, "AS") && isPunct(e, j+3, "("):
			if m := matchParen(e, j+3); m > 0 && isWord(e, m+1, "STORED") {
				x.add(exprGenerated, src[e[j+3].End:e[m].Off], schema, table, column)
			}
		}
	}
}

// defaultValue is the text of ` DEFAULT <default>` in a column element:
// up to the next column clause drizzle-kit writes (" NOT NULL",
// " GENERATED …", " CONSTRAINT …"), or to the element's end (",", or "\n)"
// for the last element).
func defaultValue(src string, e []sqllex.Token, d int, next sqllex.Token, last bool) (string, bool) {
	start := e[d].End + 1
	if start >= len(src) || src[e[d].End] != ' ' || d+1 >= len(e) {
		return "", false
	}
	end := next.Off
	if last {
		if end == 0 || src[end-1] != '\n' {
			return "", false
		}
		end--
	}
	depth := 0
	for j := d + 1; j < len(e); j++ {
		switch {
		case isPunct(e, j, "(") || isPunct(e, j, "["):
			depth++
		case isPunct(e, j, ")") || isPunct(e, j, "]"):
			depth--
		case depth == 0 && j > d+1 && columnClause(e, j):
			if src[e[j].Off-1] != ' ' {
				return "", false
			}
			end = e[j].Off - 1
			j = len(e)
		}
	}
	if end <= start {
		return "", false
	}
	return src[start:end], true
}

// columnClause reports whether e[j] starts a column clause that can follow
// a default (a default is a b_expr: NOT, IS NULL and friends cannot appear
// in it outside parentheses, except IS [NOT] DISTINCT FROM).
func columnClause(e []sqllex.Token, j int) bool {
	prev := e[j-1]
	afterIS := prev.Kind == sqllex.Word && (prev.Text == "IS" || prev.Text == "NOT")
	switch {
	case isWord(e, j, "NOT"):
		return !isWord(e, j-1, "IS")
	case isWord(e, j, "NULL"):
		return !afterIS
	}
	for _, w := range []string{"GENERATED", "CONSTRAINT", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "COLLATE", "DEFAULT"} {
		if isWord(e, j, w) {
			return true
		}
	}
	return false
}

// createIndex captures the columns and the WHERE of
// [CONCURRENTLY] "name" ON "t"[ USING m] (…)[ WITH (…)][ WHERE <where>].
func (x *drizzleExprs) createIndex(src string, t []sqllex.Token, end int) {
	i := 0
	if isWord(t, i, "CONCURRENTLY") {
		i++
	}
	if i >= len(t) || t[i].Kind != sqllex.Ident || !isWord(t, i+1, "ON") {
		return
	}
	name := t[i].Text
	schema, _, k, quoted := tableName(t, i+2)
	if k < 0 || !quoted {
		return
	}
	if isWord(t, k, "USING") {
		if k+1 >= len(t) || t[k+1].Kind != sqllex.Word {
			return
		}
		k += 2
	}
	if !isPunct(t, k, "(") {
		return
	}
	closing := matchParen(t, k)
	if closing < 0 {
		return
	}
	x.indexColumns(src, t, k, closing, schema, name)
	k = closing + 1
	if isWord(t, k, "WITH") && isPunct(t, k+1, "(") {
		if k = matchParen(t, k+1) + 1; k == 0 {
			return
		}
	}
	if !isWord(t, k, "WHERE") || k+1 >= len(t) || src[t[k].End] != ' ' || end <= t[k].End+1 {
		return
	}
	x.add(exprWhere, src[t[k].End+1:end], schema, name)
}

// indexColumns captures the text of each column of the index's list
// t[open]…t[closing], as drizzle-kit joins them: by "," with no space. An
// element with space around it is not drizzle-kit's and is skipped.
func (x *drizzleExprs) indexColumns(src string, t []sqllex.Token, open, closing int, schema, index string) {
	a, depth, n := t[open].End, 0, 0
	for j := open + 1; j <= closing; j++ {
		switch {
		case j == closing || depth == 0 && isPunct(t, j, ","):
			v := src[a:t[j].Off]
			if v != "" && v == strings.TrimFunc(v, unicode.IsSpace) {
				x.add(exprIndexCol, v, schema, index, strconv.Itoa(n))
			}
			a, n = t[j].End, n+1
		case isPunct(t, j, "(") || isPunct(t, j, "["):
			depth++
		case isPunct(t, j, ")") || isPunct(t, j, "]"):
			depth--
		}
	}
}

// indexColumn returns drizzle-kit's snapshot entry for the i-th column of
// an index when PostgreSQL has it as an expression and the desired SQL
// was drizzle-kit's: the expression as written, ascending, nulls last, no
// operator class (drizzle-kit stores every sql`…` index column so, with any
// modifiers inside its text).
func (x *drizzleExprs) indexColumn(schema, index string, i int, ic indexColumn) indexColumn {
	if !ic.IsExpression {
		return ic
	}
	if v, ok := x.lookup(exprIndexCol, schema, index, strconv.Itoa(i)); ok {
		return indexColumn{Expression: v, IsExpression: true, Asc: true, Nulls: "last"}
	}
	return ic
}

// tableName reads "t" or "s"."t" (or bare words) at t[i]; it returns the
// schema ("public" when unqualified), the name, the index after it (-1
// when there is no name) and whether every part was quoted, as drizzle-kit
// writes names.
func tableName(t []sqllex.Token, i int) (schema, name string, next int, quoted bool) {
	part := func(j int) (string, bool, bool) {
		if j >= len(t) {
			return "", false, false
		}
		switch t[j].Kind {
		case sqllex.Ident:
			return t[j].Text, true, true
		case sqllex.Word:
			return t[j].Text, false, true
		}
		return "", false, false
	}
	first, q1, ok := part(i)
	if !ok {
		return "", "", -1, false
	}
	if isPunct(t, i+1, ".") {
		second, q2, ok := part(i + 2)
		if !ok {
			return "", "", -1, false
		}
		return first, second, i + 3, q1 && q2
	}
	return "public", first, i + 1, q1
}

// matchParen returns the index of the ")" closing the "(" at t[i], or -1.
func matchParen(t []sqllex.Token, i int) int {
	depth := 0
	for j := i; j < len(t); j++ {
		switch {
		case isPunct(t, j, "("):
			depth++
		case isPunct(t, j, ")"):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

func isWord(t []sqllex.Token, i int, w string) bool {
	return i >= 0 && i < len(t) && t[i].Kind == sqllex.Word && t[i].Text == w
}

func isPunct(t []sqllex.Token, i int, p string) bool {
	return i >= 0 && i < len(t) && t[i].Kind == sqllex.Punct && t[i].Text == p
}
