// longnames: support-base.ts's enum and tables whose unnamed constraints
// have default names past 63 bytes, for the generate interop test with
// drizzle-kit 1.0 (internal/interop): a column's .unique() and a
// .primaryKey(), which drizzle-kit 1.0 writes as a bare UNIQUE and PRIMARY
// KEY so that PostgreSQL names (and shortens) them, and a foreign key whose
// default name drizzle-kit shortens with its hash.
import { pgEnum, pgTable, integer, text } from "drizzle-orm/pg-core";

export const ticketState = pgEnum("support_ticket_state", ["open", "waiting", "closed"]);

export const owners = pgTable("owners", { id: integer("id").primaryKey() });

export const longTable = pgTable("a_table_name_that_is_quite_long_enough_to_exceed_limits_xy", {
  id: integer("id").primaryKey(),
  someRatherLongColumnNameHere: text("some_rather_long_column_name_here").unique(),
  ownerId: integer("owner_id").references(() => owners.id),
});
