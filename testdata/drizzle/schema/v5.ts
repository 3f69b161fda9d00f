// v5: written to test hogsend-db generate. The same schema as
// testdata/generate/drizzle_v5.sql: drizzle-kit, given this file and a folder
// extended by `hogsend-db generate --schema drizzle_v5.sql`, must find
// nothing to generate. Adds an enum value, a new enum, columns with
// defaults (drizzle's .desc() means DESC NULLS LAST: PostgreSQL's plain DESC is
// .desc().nullsFirst()), an identity table with a unique constraint, check, partial,
// expression, hash and descending indexes, and a composite primary key.
import { sql } from "drizzle-orm";
import {
  pgEnum, pgTable, serial, integer, bigint, text, varchar, numeric, boolean, timestamp, jsonb,
  uniqueIndex, index, check, unique, primaryKey,
} from "drizzle-orm/pg-core";

export const ticketStatus = pgEnum("ticket_status", ["open", "closed", "pending"]);
export const priority = pgEnum("priority", ["low", "normal", "high"]);

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
    priority: priority("priority").notNull().default("normal"),
    dueAt: timestamp("due_at", { withTimezone: true }),
    estimate: numeric("estimate", { precision: 10, scale: 2 }).default("0.00"),
  },
  (t) => [index("tickets_open_by_project_idx").on(t.projectId).where(sql`status = 'open'`)],
);

export const comments = pgTable(
  "comments",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    ticketId: integer("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    edited: boolean("edited").notNull().default(false),
  },
  (t) => [index("comments_created_at_idx").on(t.createdAt.desc().nullsFirst())],
);

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

export const attachments = pgTable(
  "attachments",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    ticketId: integer("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade", onUpdate: "cascade" }),
    fileName: text("file_name").notNull(),
    mimeType: varchar("mime_type", { length: 100 }).notNull().default("application/octet-stream"),
    size: bigint("size", { mode: "number" }).notNull().default(0),
    sha: text("sha").unique(),
    checksum: text("checksum"),
    attrs: jsonb("attrs").notNull().default({ scanned: false }),
    uploadedAt: timestamp("uploaded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("attachments_ticket_file_unique").on(t.ticketId, t.fileName),
    check("attachments_size_check", sql`size >= 0`),
    index("attachments_checksum_idx").on(t.checksum).where(sql`checksum IS NOT NULL`),
    index("attachments_lower_file_name_idx").on(sql`lower(file_name)`),
    index("attachments_checksum_hash_idx").using("hash", t.checksum),
  ],
);

export const ticketLabels = pgTable(
  "ticket_labels",
  {
    ticketId: integer("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    labelId: integer("label_id")
      .notNull()
      .references(() => labels.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.labelId] })],
);
