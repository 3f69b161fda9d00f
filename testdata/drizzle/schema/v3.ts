// v3: adds a labels table with a check constraint, a partial index on open
// tickets and a tickets.legacy_code column (dropped again in v4).
import { sql } from "drizzle-orm";
import {
  pgEnum, pgTable, serial, integer, text, timestamp, jsonb, uniqueIndex, index, check,
} from "drizzle-orm/pg-core";

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

export const tickets = pgTable(
  "tickets",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    status: ticketStatus("status").notNull().default("open"),
    meta: jsonb("meta").notNull().default(sql`'{}'::jsonb`),
    legacyCode: text("legacy_code"),
  },
  (t) => [index("tickets_open_by_project_idx").on(t.projectId).where(sql`status = 'open'`)],
);

export const comments = pgTable("comments", {
  id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
  ticketId: integer("ticket_id")
    .notNull()
    .references(() => tickets.id, { onDelete: "cascade" }),
  body: text("body").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const labels = pgTable(
  "labels",
  {
    id: serial("id").primaryKey(),
    projectId: integer("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    color: text("color").notNull().default("#888888"),
  },
  (t) => [
    uniqueIndex("labels_project_name_key").on(t.projectId, t.name),
    check("labels_name_not_empty", sql`length(${t.name}) > 0`),
  ],
);
