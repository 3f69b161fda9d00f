package lint

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/schemahcl"
	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	_ "ariga.io/atlas/sql/postgres/postgrescheck" // registers Atlas's PostgreSQL analyzers
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlcheck"

	"github.com/hogsend/hogsend-db/journal"
)

// migLint is the lint of one migration file.
type migLint struct {
	t     Track
	m     *journal.Migration
	stmts []journal.Statement
	toks  [][]token // per statement
	runs  []stmtRun // per statement
	start *schema.Realm
	owned *schema.Realm // engine state, nil when not linting a later track
	sups  []*suppression

	findings []Finding
}

func newMigLint(t Track, m *journal.Migration, start, owned *schema.Realm) *migLint {
	stmts := m.Statements()
	ml := &migLint{t: t, m: m, stmts: stmts, toks: make([][]token, len(stmts)), runs: make([]stmtRun, len(stmts)),
		start: start, owned: owned}
	for i, st := range stmts {
		ml.toks[i] = lex(st.SQL)
	}
	if t.Name == Engine {
		ml.owned = nil
	}
	ml.sups = parseSuppressions(m.SQL, stmts, ml.toks)
	return ml
}

// stmtOff is the file offset of statement i's first token.
func (ml *migLint) stmtOff(i int) int {
	off := ml.stmts[i].Offset
	if len(ml.toks[i]) > 0 {
		off += ml.toks[i][0].Off
	}
	return off
}

// where is "file:line:col" of statement i.
func (ml *migLint) where(i int) string {
	line, col := journal.Position(ml.m.SQL, ml.stmtOff(i))
	return fmt.Sprintf("%s:%d:%d", fileName(ml.t, ml.m), line, col)
}

// add records a finding in statement i at file offset off (<0: the
// statement's start).
func (ml *migLint) add(code string, i, off int, format string, args ...any) {
	r, ok := RuleFor(code)
	if !ok {
		r = Rule{Code: code, Severity: Warning, Source: SourceAtlas}
	}
	ml.addRule(r, i, off, fmt.Sprintf(format, args...))
}

func (ml *migLint) addRule(r Rule, i, off int, msg string) {
	if off < 0 {
		off = ml.stmtOff(i)
	}
	line, col := journal.Position(ml.m.SQL, off)
	stmt := ""
	if i >= 0 {
		stmt = strings.TrimSpace(ml.m.SQL[ml.stmtOff(i) : ml.stmts[i].Offset+len(ml.stmts[i].SQL)])
	}
	ml.findings = append(ml.findings, Finding{Code: r.Code, Severity: r.Severity, Source: r.Source,
		Track: ml.t.Name, Tag: ml.m.Tag, File: fileName(ml.t, ml.m), Line: line, Col: col,
		Statement: stmt, Message: msg, Why: r.Why, Fix: r.Fix, stmt: i, off: off})
}

func (ml *migLint) analyze(ctx context.Context) error {
	if err := ml.atlas(ctx); err != nil {
		return err
	}
	ml.own()
	return nil
}

// atlas runs Atlas's analyzers on the per-statement change list.
func (ml *migLint) atlas(ctx context.Context) error {
	f := &sqlcheck.File{File: migrate.NewLocalFile(ml.m.File, []byte(ml.m.SQL)), From: ml.start, To: ml.start}
	byPos := map[int]int{}
	for i, run := range ml.runs {
		if !run.ran {
			continue
		}
		pos := ml.stmts[i].Offset
		byPos[pos] = i
		f.To = run.after
		f.Changes = append(f.Changes, &sqlcheck.Change{Changes: run.changes, Stmt: &migrate.Stmt{Pos: pos, Text: ml.stmts[i].SQL}})
	}
	azs, err := sqlcheck.AnalyzerFor(postgres.DriverName, &schemahcl.Resource{})
	if err != nil {
		return fmt.Errorf("lint: atlas analyzers: %w", err)
	}
	if len(azs) == 0 {
		return fmt.Errorf("lint: atlas analyzers for %s are not registered", postgres.DriverName)
	}
	for _, az := range azs {
		reported := false
		pass := &sqlcheck.Pass{File: f, Reporter: sqlcheck.ReportWriterFunc(func(r sqlcheck.Report) {
			reported = true
			for _, d := range r.Diagnostics {
				i, ok := byPos[d.Pos]
				if !ok {
					continue
				}
				rule, known := RuleFor(d.Code)
				if !known {
					rule = Rule{Code: d.Code, Severity: Warning, Source: SourceAtlas, Why: r.Text}
					for _, fx := range d.SuggestedFixes {
						rule.Fix = fx.Message
					}
				}
				ml.addRule(rule, i, -1, d.Text)
			}
		})}
		// Analyzers configured to fail return an error after reporting:
		// the report is what counts.
		if err := az.Analyze(ctx, pass); err != nil && !reported {
			return fmt.Errorf("lint: atlas analyzer: %w", err)
		}
	}
	return nil
}

// own runs this package's rules, one analyzer per rule family (as Atlas's
// sqlcheck has one analyzer per family). The order matters only where two
// families share a code (findings are sorted by position, then code,
// stably): text before escaped errors, changes before enums.
func (ml *migLint) own() {
	ml.textRules()
	ml.escapedErrors()
	ml.changeRules()
	ml.enumRules()
}

// eachRan calls fn for every statement that ran, in order.
func (ml *migLint) eachRan(fn func(i int, run stmtRun)) {
	for i, run := range ml.runs {
		if run.ran {
			fn(i, run)
		}
	}
}

// textRules read the statement's tokens: CONCURRENTLY inside the track's
// transaction, DROP/TRUNCATE ... CASCADE.
func (ml *migLint) textRules() {
	ml.eachRan(func(i int, _ stmtRun) {
		base := ml.stmts[i].Offset
		for _, st := range statements(ml.toks[i]) {
			if !ml.m.NoTransaction && !(len(st) > 0 && st[0].Text == "REFRESH") {
				if k := findWords(st, "CONCURRENTLY"); k >= 0 {
					ml.add(CodeNoTransaction, i, base+st[k].Off, "CONCURRENTLY in a migration without %s: it fails inside the track's transaction", journal.NoTransactionDirective)
				}
			}
			if findWords(st, "DROP") >= 0 || findWords(st, "TRUNCATE") >= 0 {
				for k, tk := range st {
					if tk.Kind == tokWord && tk.Text == "CASCADE" && (k == 0 || (st[k-1].Text != "DELETE" && st[k-1].Text != "UPDATE")) {
						ml.add(CodeDropCascade, i, base+tk.Off, "%s ... CASCADE also drops every object that depends on what it names", st[0].Text)
					}
				}
			}
		}
	})
}

// escapedErrors report the statements that failed only because of the
// transaction (see stmtRun.escaped): 25001 and 55P04.
func (ml *migLint) escapedErrors() {
	ml.eachRan(func(i int, run stmtRun) {
		e := run.escaped
		if e == nil {
			return
		}
		toks := ml.toks[i]
		off := ml.stmts[i].Offset
		if e.Position > 0 {
			off += journal.CharOffset(ml.stmts[i].SQL, int(e.Position))
		} else if len(toks) > 0 {
			off += toks[0].Off
		}
		switch e.Code {
		case "25001":
			if findWords(toks, "CONCURRENTLY") < 0 || ml.m.NoTransaction {
				ml.add(CodeNoTransaction, i, off, "%s", e.Message)
			}
		case "55P04":
			msg := e.Message
			if e.Detail != "" {
				msg += " (added at " + e.Detail + ")"
			}
			ml.add(CodeEnumValueUse, i, off, "%s", msg)
		}
	})
}

// changeRules read each statement's change list: engine tables touched,
// blocking index builds, constraints validated at once, column type
// changes on tables that existed before the migration.
func (ml *migLint) changeRules() {
	startTables, ownedTables := tables(ml.start), tables(ml.owned)
	addedTables, addedCols := map[string]bool{}, map[string]bool{}
	ml.eachRan(func(i int, run stmtRun) {
		concurrently := findWords(ml.toks[i], "CONCURRENTLY") >= 0
		notValid := findWords(ml.toks[i], "NOT", "VALID") >= 0
		for _, c := range run.changes {
			switch c := c.(type) {
			case *schema.AddTable:
				addedTables[tableKey(c.T)] = true
				ml.engineTable(i, ownedTables, c.T, "creates")
			case *schema.DropTable:
				ml.engineTable(i, ownedTables, c.T, "drops")
			case *schema.RenameTable:
				addedTables[tableKey(c.To)] = true
				ml.engineTable(i, ownedTables, c.From, "renames")
			case *schema.DropSchema:
				for _, t := range c.S.Tables {
					if ml.engineTable(i, ownedTables, t, "drops") {
						break
					}
				}
			case *schema.ModifyTable:
				tk := tableKey(c.T)
				existed := startTables[tk] && !addedTables[tk]
				ml.engineTable(i, ownedTables, c.T, "alters")
				for _, mc := range c.Changes {
					if ac, ok := mc.(*schema.AddColumn); ok {
						addedCols[tk+"."+ac.C.Name] = true
					} else if existed {
						ml.tableChange(i, tk, mc, concurrently, notValid, addedCols)
					}
				}
			}
		}
	})
}

// tableChange checks one change to table tk, which existed before the
// migration.
func (ml *migLint) tableChange(i int, tk string, mc schema.Change, concurrently, notValid bool, addedCols map[string]bool) {
	switch mc := mc.(type) {
	case *schema.AddIndex:
		if !concurrently {
			ml.add(CodeIndexBlocking, i, -1, "index %q on existing table %q is built without CONCURRENTLY", mc.I.Name, tk)
		}
	case *schema.AddForeignKey:
		if !notValid {
			ml.add(CodeFKValidate, i, -1, "foreign key %q on existing table %q is validated at once (no NOT VALID)", mc.F.Symbol, tk)
		}
	case *schema.AddCheck:
		if !notValid {
			ml.add(CodeCheckValidate, i, -1, "check %q on existing table %q is validated at once (no NOT VALID)", mc.C.Name, tk)
		}
	case *schema.ModifyColumn:
		if mc.Change.Is(schema.ChangeType) && !addedCols[tk+"."+mc.From.Name] && !wideningOnly(mc.From, mc.To) && !enumRenamed(mc.From, mc.To) {
			ml.add(CodeColumnType, i, -1, "column %q of %q changes type from %s to %s", mc.To.Name, tk, typeName(mc.From), typeName(mc.To))
		}
	}
}

// enumRules compare the enums before and after each statement (values
// dropped or renamed, engine enums changed), then the start and end of the
// migration: an enum replaced through a new type (create, convert, drop,
// rename) loses values without any one statement showing it.
func (ml *migLint) enumRules() {
	ownedEnums := enums(ml.owned)
	enumReported := map[string]map[string]bool{}
	lastEnumChange := map[string]int{}
	end := ml.start
	ml.eachRan(func(i int, run stmtRun) {
		end = run.after
		eb, ea := enums(run.before), enums(run.after)
		renaming := findWords(ml.toks[i], "RENAME", "VALUE") >= 0
		for k, vb := range eb {
			va, ok := ea[k]
			if !ok {
				continue
			}
			gone := missing(vb, va)
			if len(gone) == 0 {
				continue
			}
			if enumReported[k] == nil {
				enumReported[k] = map[string]bool{}
			}
			newVals := missing(va, vb)
			for n, v := range gone {
				enumReported[k][v] = true
				if renaming && n < len(newVals) {
					ml.add(CodeEnumValueRename, i, -1, "enum %s: value %q renamed to %q", k, v, newVals[n])
				} else {
					ml.add(CodeEnumValueDrop, i, -1, "enum %s loses value %q", k, v)
				}
			}
		}
		for k := range union(eb, ea) {
			vb, okb := eb[k]
			va, oka := ea[k]
			if okb == oka && slices.Equal(vb, va) {
				continue
			}
			lastEnumChange[k] = i
			if _, owned := ownedEnums[k]; owned && ml.owned != nil {
				ml.add(CodeEngineObject, i, -1, "changes enum %s, which the engine track owns", k)
			}
		}
	})
	es, ee := enums(ml.start), enums(end)
	for k, vs := range es {
		ve, ok := ee[k]
		if !ok {
			continue
		}
		for _, v := range missing(vs, ve) {
			if enumReported[k][v] {
				continue
			}
			ml.add(CodeEnumValueDrop, lastEnumChange[k], -1, "enum %s loses value %q (the type was replaced)", k, v)
		}
	}
}

// engineTable reports a client statement that touches an engine table.
func (ml *migLint) engineTable(i int, owned map[string]bool, t *schema.Table, verb string) bool {
	if ml.owned == nil || !owned[tableKey(t)] {
		return false
	}
	ml.add(CodeEngineObject, i, -1, "%s table %s, which the engine track owns", verb, tableKey(t))
	return true
}

// enumRenamed reports a column "type change" that is only its enum type
// being renamed (ALTER TYPE ... RENAME TO): same labels, same data.
func enumRenamed(from, to *schema.Column) bool {
	if from.Type == nil || to.Type == nil {
		return false
	}
	a, ok1 := from.Type.Type.(*schema.EnumType)
	b, ok2 := to.Type.Type.(*schema.EnumType)
	return ok1 && ok2 && slices.Equal(a.Values, b.Values)
}

func typeName(c *schema.Column) string {
	if c.Type == nil || c.Type.Type == nil {
		return "?"
	}
	if s, err := postgres.FormatType(c.Type.Type); err == nil {
		return s
	}
	return c.Type.Raw
}

func union(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// report applies the suppressions and adds the migration's findings to rep.
func (ml *migLint) report(rep *Report) {
	n := 0
	for i := range ml.stmts {
		if len(ml.toks[i]) > 0 {
			n++
		}
	}
	rep.Linted = append(rep.Linted, Linted{Track: ml.t.Name, Tag: ml.m.Tag, File: fileName(ml.t, ml.m), Statements: n})
	seen := map[string]bool{}
	var kept, suppressed []Finding
	for _, f := range ml.findings {
		key := fmt.Sprintf("%s|%d|%d|%s", f.Code, f.stmt, f.off, f.Message)
		if seen[key] {
			continue
		}
		seen[key] = true
		if s := ml.suppressionFor(f); s != nil {
			s.used = true
			f.Reason = s.Reason
			suppressed = append(suppressed, f)
			continue
		}
		kept = append(kept, f)
	}
	ml.findings = nil
	for _, s := range ml.sups {
		codes := strings.Join(s.Codes, ",")
		allKnown := len(s.Codes) > 0
		for _, c := range s.Codes {
			if _, ok := RuleFor(c); !ok {
				allKnown = false
				ml.add(CodeUnknownCode, s.Stmt, s.Off, "lint-ignore names unknown code %q", c)
			}
		}
		switch {
		case s.Reason == "" || len(s.Codes) == 0:
			ml.add(CodeNoReason, s.Stmt, s.Off, "lint-ignore %s has no reason: it suppresses nothing", codes)
		case !s.used && allKnown:
			ml.add(CodeUnusedIgnore, s.Stmt, s.Off, "lint-ignore %s matches no finding of the statement", codes)
		}
	}
	kept = append(kept, ml.findings...)
	sortFindings(kept)
	sortFindings(suppressed)
	rep.Findings = append(rep.Findings, kept...)
	rep.Suppressed = append(rep.Suppressed, suppressed...)
}

// suppressionFor returns the suppression, with a reason, that covers f.
func (ml *migLint) suppressionFor(f Finding) *suppression {
	for _, s := range ml.sups {
		if s.Stmt == f.stmt && s.Reason != "" && s.covers(f.Code) {
			return s
		}
	}
	return nil
}
