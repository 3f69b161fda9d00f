package schemastate

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/stdlib"
)

// Exec sends sql as-is on the Atlas session (the simple protocol: a string
// may hold several statements, as drizzle allows). Statements run on the
// session Inspect reads, so an inspection inside an open transaction sees
// its uncommitted changes: lint relies on that to inspect after each
// statement of a migration without committing it. The error is the
// driver's, unwrapped (usually a *pgconn.PgError), so callers can read its
// SQLSTATE and position.
func (c *Conn) Exec(ctx context.Context, sql string) error {
	return c.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("schemastate: exec: unexpected driver connection %T", dc)
		}
		_, err := sc.Conn().Exec(ctx, sql)
		return err
	})
}
