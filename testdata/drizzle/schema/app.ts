// app: a Hogsend app's own schema (src/schema/index.ts): client tables only,
// none of the engine's. Used to show what drizzle-kit push does to the
// engine tables and enum types in the same database.
import { pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

export const supportNotes = pgTable("app_support_notes", {
  id: serial("id").primaryKey(),
  body: text("body").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
