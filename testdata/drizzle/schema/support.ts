// support: a Hogsend app's client schema (src/schema/index.ts), for the
// export round trip: `drizzle-kit export` of this file piped into
// `hogsend-db generate --schema -`, after which `drizzle-kit generate` on
// this file must find nothing to do. Its expressions are written as people
// write them in TypeScript, not as PostgreSQL re-prints them: a check with
// column references drizzle qualifies with the table, a partial index on an
// enum value, defaults (sql`now()`, a jsonb object, a string, a number, a
// boolean, an enum value, an interval PostgreSQL re-prints as
// (now() + '3 days'::interval)), a generated column (re-printed as
// ((lower(subject) || ' '::text) || (channel)::text)), a second partial
// index (re-printed as (note IS NOT NULL) AND (reply_count > 1)) and
// expression indexes (lower("subject") re-printed as lower(subject)).
// drizzle-kit 1.0 reads this file too (testdata/drizzle1/kit.mjs).
import { sql } from "drizzle-orm";
import {
  pgEnum, pgTable, serial, integer, text, boolean, timestamp, jsonb, varchar, index, uniqueIndex, check,
} from "drizzle-orm/pg-core";

export const ticketState = pgEnum("support_ticket_state", ["open", "waiting", "closed"]);

export const supportTickets = pgTable(
  "support_tickets",
  {
    id: serial("id").primaryKey(),
    subject: text("subject").notNull(),
    state: ticketState("state").notNull().default("open"),
    replyCount: integer("reply_count").notNull().default(0),
    urgent: boolean("urgent").notNull().default(false),
    tags: jsonb("tags").notNull().default(sql`'[]'::jsonb`),
    channel: varchar("channel", { length: 32 }).notNull().default("email"),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull().default(sql`now()`),
    dueAt: timestamp("due_at", { withTimezone: true }).default(sql`now() + interval '3 days'`),
    searchKey: text("search_key").generatedAlwaysAs(sql`lower(subject) || ' ' || channel`),
    note: text("note"),
  },
  (t) => [
    check("support_tickets_reply_count_check", sql`${t.replyCount} >= 0`),
    index("support_tickets_open_idx").on(t.openedAt).where(sql`${t.state} = 'open' and ${t.urgent}`),
    index("support_tickets_note_idx").on(t.subject).where(sql`${t.note} IS NOT NULL AND ${t.replyCount} > 1`),
    uniqueIndex("support_tickets_subject_lower_idx").on(sql`lower(${t.subject})`),
    index("support_tickets_channel_note_idx").on(t.channel, sql`coalesce(${t.note}, '')`),
  ],
);

export const supportReplies = pgTable(
  "support_replies",
  {
    id: serial("id").primaryKey(),
    ticketId: integer("ticket_id")
      .notNull()
      .references(() => supportTickets.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("support_replies_body_check", sql`length(${t.body}) between 1 and 10000`)],
);
