// v1: projects and tickets, an enum, a serial and an identity column, a
// foreign key with ON DELETE CASCADE.
import { pgEnum, pgTable, serial, integer, text, timestamp } from "drizzle-orm/pg-core";

export const ticketStatus = pgEnum("ticket_status", ["open", "closed"]);

export const projects = pgTable("projects", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const tickets = pgTable("tickets", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  projectId: integer("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  status: ticketStatus("status").notNull().default("open"),
});
