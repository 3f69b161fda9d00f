package lint

import "sort"

// Severity of a finding: errors fail the lint (exit 4), warnings do not.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Source says which engine found a finding.
const (
	SourceAtlas   = "atlas"      // ariga.io/atlas's analyzers (sql/postgres/postgrescheck)
	SourceHogsend = "hogsend-db" // rules of this package
)

// Rule describes one finding code. Codes are stable: they appear in
// suppressions and CI configurations.
type Rule struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Source   string   `json:"source"`
	Title    string   `json:"title"`
	// Why says how the change breaks the release that is still running
	// (old code against the new schema) or the deploy itself.
	Why string `json:"why"`
	// Fix is the safe alternative (expand → migrate → contract).
	Fix string `json:"fix"`
}

// Codes of Atlas's analyzers, kept as Atlas names them.
const (
	CodeDropSchema      = "DS101"
	CodeDropTable       = "DS102"
	CodeDropColumn      = "DS103"
	CodeUniqueIndex     = "MF101"
	CodeModifyUnique    = "MF102"
	CodeNotNullNoDef    = "MF103"
	CodeNullToNotNull   = "MF104"
	CodeDropForeignKey  = "CD101"
	CodeRenameTable     = "BC101"
	CodeRenameColumn    = "BC102"
	CodeColumnType      = "HS101"
	CodeEnumValueDrop   = "HS102"
	CodeEnumValueRename = "HS103"
	CodeIndexBlocking   = "HS201"
	CodeNoTransaction   = "HS202"
	CodeEnumValueUse    = "HS203"
	CodeDropCascade     = "HS301"
	CodeFKValidate      = "HS302"
	CodeCheckValidate   = "HS303"
	CodeEngineObject    = "HS401"
	CodeNoReason        = "HS001"
	CodeUnknownCode     = "HS002"
	CodeUnusedIgnore    = "HS003"
)

var rules = []Rule{
	{CodeDropSchema, Error, SourceAtlas, "drop schema",
		"the running release still reads and writes the schema's tables; its queries fail as soon as the migration commits",
		"contract in a later release: stop using the schema first, ship that, then drop it"},
	{CodeDropTable, Error, SourceAtlas, "drop table",
		"the running release still queries the table; every such query fails once the migration commits",
		"contract in a later release: remove all code that reads or writes the table, deploy it, then drop the table"},
	{CodeDropColumn, Error, SourceAtlas, "drop column",
		"the running release still selects or inserts the column (drizzle lists columns explicitly); those queries fail",
		"contract in a later release: stop reading and writing the column, deploy, then drop it"},
	{CodeUniqueIndex, Warning, SourceAtlas, "unique index on existing data",
		"the build fails when existing rows hold duplicates, and the running release may keep inserting duplicates that are now rejected",
		"deduplicate first (a data migration), build the index with CREATE UNIQUE INDEX CONCURRENTLY in a -- hogsend-db:no-transaction migration, then attach it with ADD CONSTRAINT ... UNIQUE USING INDEX"},
	{CodeModifyUnique, Warning, SourceAtlas, "index made unique",
		"fails when existing rows hold duplicates; the running release may still insert duplicates",
		"create a new unique index concurrently after deduplicating, then drop the old one in a later release"},
	{CodeNotNullNoDef, Error, SourceAtlas, "NOT NULL column without a default",
		"fails on a table that has rows, and the running release inserts rows without the new column, which now violates NOT NULL",
		"add the column nullable (or with a DEFAULT), backfill, deploy code that writes it, then SET NOT NULL in a later release"},
	{CodeNullToNotNull, Error, SourceAtlas, "nullable column made NOT NULL",
		"fails when rows hold NULL, and the running release may still insert NULL (or omit the column), which is now rejected",
		"deploy code that always writes the column and backfill first; then add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, and SET NOT NULL in a later release"},
	{CodeDropForeignKey, Warning, SourceAtlas, "drop foreign key",
		"the running release may rely on the constraint (cascades, integrity) that disappears",
		"drop constraints in the contract phase, after code no longer relies on them"},
	{CodeRenameTable, Error, SourceAtlas, "rename table",
		"the running release still uses the old name; all its queries on the table fail",
		"expand: create the new table (or a view with the old name), copy and dual-write; contract: drop the old name in a later release"},
	{CodeRenameColumn, Error, SourceAtlas, "rename column",
		"the running release still uses the old column name; its queries fail",
		"add the new column, backfill and dual-write, switch the reads, then drop the old column in a later release"},
	{CodeColumnType, Error, SourceHogsend, "column type change",
		"rewrites the table under an ACCESS EXCLUSIVE lock, and the running release may send values the new type rejects or read values it cannot parse",
		"add a column of the new type, backfill and dual-write, switch the reads, drop the old column in a later release"},
	{CodeEnumValueDrop, Error, SourceHogsend, "enum value dropped",
		"the running release still writes and reads the removed value; those writes fail and rows holding it cannot be converted",
		"stop writing the value, migrate the rows away from it, and only then replace the type in a later release (or keep the value)"},
	{CodeEnumValueRename, Error, SourceHogsend, "enum value renamed",
		"the running release writes and compares the old label, which no longer exists",
		"add the new value (ALTER TYPE ... ADD VALUE), switch code and rows to it, and stop using the old value; never rename a label in use"},
	{CodeIndexBlocking, Warning, SourceHogsend, "CREATE INDEX without CONCURRENTLY on an existing table",
		"the build holds a SHARE lock that blocks every INSERT, UPDATE and DELETE of the running release until it finishes",
		"CREATE INDEX CONCURRENTLY in a migration of its own whose first line is -- hogsend-db:no-transaction"},
	{CodeNoTransaction, Error, SourceHogsend, "statement that cannot run in a transaction",
		"the migration runs in the track's transaction; CONCURRENTLY (and the like) fails there and the deploy stops",
		"move the statement to a migration of its own whose first line is -- hogsend-db:no-transaction"},
	{CodeEnumValueUse, Error, SourceHogsend, "new enum value used in the same transaction",
		"PostgreSQL refuses to use a value added by ALTER TYPE ... ADD VALUE before its transaction commits; the pending migrations of a track run in one transaction, so the deploy fails",
		"add the value in one release and use it in a later one, or put the ADD VALUE in a -- hogsend-db:no-transaction migration"},
	{CodeDropCascade, Error, SourceHogsend, "DROP ... CASCADE",
		"silently drops dependent objects (views, foreign keys, defaults) that the running release may use, beyond what the statement names",
		"drop the dependent objects explicitly, each in its contract release, and drop without CASCADE"},
	{CodeFKValidate, Warning, SourceHogsend, "foreign key without NOT VALID on an existing table",
		"validating existing rows holds locks that block writes of the running release on both tables, and fails on orphan rows",
		"ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration"},
	{CodeCheckValidate, Warning, SourceHogsend, "check constraint without NOT VALID on an existing table",
		"scanning existing rows holds an ACCESS EXCLUSIVE lock that blocks the running release, and fails on rows that violate the check",
		"ADD CONSTRAINT ... CHECK (...) NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration"},
	{CodeEngineObject, Error, SourceHogsend, "client migration changes an engine object",
		"the engine track owns that object; the next engine release migrates it again and collides with the client's change, or the engine code breaks on it",
		"leave engine tables and types alone: create client tables (they may reference engine tables) or ask for the change in the engine"},
	{CodeNoReason, Error, SourceHogsend, "suppression without a reason",
		"an unexplained suppression hides a breaking change from review",
		"write the reason after the code: -- hogsend-db:lint-ignore <CODE> <reason>"},
	{CodeUnknownCode, Warning, SourceHogsend, "suppression of an unknown code",
		"a misspelt code suppresses nothing",
		"use a code listed in docs/lint.md"},
	{CodeUnusedIgnore, Warning, SourceHogsend, "suppression that matches no finding",
		"a stale suppression would silently hide a later, different problem in the statement",
		"remove the suppression"},
}

// Rules returns every rule, sorted by code.
func Rules() []Rule {
	out := append([]Rule(nil), rules...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// RuleFor returns the rule of a code.
func RuleFor(code string) (Rule, bool) {
	for _, r := range rules {
		if r.Code == code {
			return r, true
		}
	}
	return Rule{}, false
}
