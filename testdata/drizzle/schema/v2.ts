// v2: adds a jsonb column with a default, a unique index and a comments table.
import { sql } from "drizzle-orm";
import { pgEnum, pgTable, serial, integer, text, timestamp, jsonb, uniqueIndex } from "drizzle-orm/pg-core";

export const ticketStatus = pgEnum("ticket_status", ["open", "closed"]);

export const projects = pgTable(
  "projects",
  {
    id: serial("id").primaryKey(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("projects_name_key").on(t.name)],
);

export const tickets = pgTable("tickets", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  projectId: integer("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  status: ticketStatus("status").notNull().default("open"),
  meta: jsonb("meta").notNull().default(sql`'{}'::jsonb`),
});

export const comments = pgTable("comments", {
  id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
  ticketId: integer("ticket_id")
    .notNull()
    .references(() => tickets.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
