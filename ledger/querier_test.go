package ledger_test

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hogsend/hogsend-db/ledger"
)

// The pool is the third type ledger.Querier's comment promises.
var _ ledger.Querier = (*pgxpool.Pool)(nil)
