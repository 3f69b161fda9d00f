// app-schema: the same app table as app.ts, in a PostgreSQL schema of its
// own ("app"), so drizzle.config.ts can confine push with schemaFilter.
import { pgSchema, serial, text, timestamp } from "drizzle-orm/pg-core";

export const app = pgSchema("app");

export const supportNotes = app.table("app_support_notes", {
  id: serial("id").primaryKey(),
  body: text("body").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
