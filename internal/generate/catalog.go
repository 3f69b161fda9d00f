package generate

import (
	"context"
	"fmt"

	"github.com/hogsend/hogsend-db/internal/scratch"
)

// identityQuery lists identity columns with their sequence's options.
const identityQuery = `
SELECT tn.nspname, t.relname, a.attname, a.attidentity = 'a',
       sn.nspname, s.relname,
       q.seqincrement::text, q.seqstart::text, q.seqmin::text, q.seqmax::text, q.seqcache::text, q.seqcycle
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class t ON t.oid = a.attrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = t.oid
     AND d.refobjsubid = a.attnum AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'i'
JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid
WHERE a.attidentity IN ('a', 'd') AND NOT a.attisdropped`

// readIdentities reads identity sequences, which Atlas inspects only in
// part (no min, max or cache).
func readIdentities(ctx context.Context, db *scratch.DB) (identities, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, identityQuery)
	if err != nil {
		return nil, fmt.Errorf("generate: read identity columns: %w", err)
	}
	defer rows.Close()
	out := identities{}
	for rows.Next() {
		var ts, tn, col string
		var id identity
		if err := rows.Scan(&ts, &tn, &col, &id.Always, &id.Schema, &id.Name,
			&id.Increment, &id.Start, &id.Min, &id.Max, &id.Cache, &id.Cycle); err != nil {
			return nil, fmt.Errorf("generate: read identity columns: %w", err)
		}
		out[ts+"."+tn+"."+col] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("generate: read identity columns: %w", err)
	}
	return out, nil
}
