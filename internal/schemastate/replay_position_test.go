package schemastate_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/journal"
)

func TestStatementError(t *testing.T) {
	j, err := journal.Open(fstest.MapFS{
		"meta/_journal.json": {Data: []byte(`{"version":"7","dialect":"postgresql","entries":[{"idx":0,"version":"7","when":1,"tag":"0000_a","breakpoints":true}]}`)},
		"0000_a.sql":         {Data: []byte("CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE 'é' bogus;")},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := j.Migrations[0]
	// Statement 1 starts with the newline after the breakpoint, so
	// PostgreSQL counts it: position 19 is the "b" of bogus, line 3 col 18.
	pgErr := &pgconn.PgError{Message: "syntax error", Position: 19}
	se := schemastate.StatementError("client/0000_a", m, 1, pgErr)
	if se.File != "0000_a.sql" || se.Statement != 2 || se.Tag != "0000_a" || se.SQLState != "" || se.Position != 19 || se.Line != 3 || se.Col != 18 {
		t.Errorf("StatementError = %+v", se)
	}
	if !errors.Is(se, pgErr) {
		t.Error("StatementError does not wrap the PostgreSQL error")
	}
	plain := schemastate.StatementError("client/0000_a", m, 1, errors.New("boom"))
	if st := m.Statements()[1]; plain.Position != 0 || plain.Line != st.Line || plain.Col != st.Col {
		t.Errorf("without a position: %+v", plain)
	}
}
