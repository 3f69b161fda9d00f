// The client's drizzle schema. Engine tables are imported from @hogsend/db,
// never redefined here.
import { pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

export const clientNotes = pgTable("client_notes", {
  id: serial("id").primaryKey(),
  body: text("body").notNull(),
  createdAt: timestamp("created_at").defaultNow().notNull(),
});
