// support-base: the first migration of a drizzle-kit 1.0 client folder for
// the 1.0 export round trip (internal/interop): only support.ts's enum, so
// that every table, index and constraint of support.ts is new when
// hogsend-db generate writes the next migration from drizzle-kit 1.0's
// export of support.ts.
import { pgEnum } from "drizzle-orm/pg-core";

export const ticketState = pgEnum("support_ticket_state", ["open", "waiting", "closed"]);
