// engine: the bundled Hogsend engine schema (engine release 1.4.0) in
// drizzle-orm's TypeScript, equivalent to engine/schema.sql and to the
// bundled migrations in engine/migrations applied in order. Pushing this
// file with drizzle-kit gives the schema those migrations give (checked by
// internal/interop/engine_push_test.go), so it stands for a Hogsend database
// that was bootstrapped with `drizzle-kit push` instead of migrated.
//
// Names are drizzle's defaults where the migrations use them (foreign keys
// <table>_<column>_<table>_<column>_fk, .unique() as <table>_<column>_unique,
// composite keys <table>_<columns>_pk); the indexes are named explicitly.
import { sql } from "drizzle-orm";
import {
  pgEnum, pgTable, uuid, text, jsonb, timestamp, boolean, integer,
  index, uniqueIndex, primaryKey,
} from "drizzle-orm/pg-core";

export const journeyStatus = pgEnum("journey_status", ["active", "waiting", "completed", "exited"]);
export const sendStatus = pgEnum("send_status", ["queued", "sending", "sent", "delivered", "failed", "bounced"]);

const tz = { withTimezone: true } as const;

// Contacts and what happens to them.

export const contacts = pgTable(
  "contacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    externalId: text("external_id").notNull().unique(),
    email: text("email"),
    properties: jsonb("properties").notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
    unsubscribedAt: timestamp("unsubscribed_at", tz),
  },
  (t) => [index("contacts_email_lower_idx").using("btree", sql`lower(${t.email})`)],
);

export const journeyStates = pgTable(
  "journey_states",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    journey: text("journey").notNull(),
    step: text("step").notNull(),
    status: journeyStatus("status").notNull().default("active"),
    nextRunAt: timestamp("next_run_at", tz),
    context: jsonb("context").notNull().default(sql`'{}'::jsonb`),
    enteredAt: timestamp("entered_at", tz).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("journey_states_contact_journey_idx").on(t.contactId, t.journey),
    index("journey_states_due_idx").on(t.nextRunAt).where(sql`${t.status} = 'waiting'`),
  ],
);

export const emailSends = pgTable(
  "email_sends",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    journeyStateId: uuid("journey_state_id").references(() => journeyStates.id, { onDelete: "set null" }),
    template: text("template").notNull(),
    subject: text("subject").notNull(),
    toAddress: text("to_address").notNull(),
    status: sendStatus("status").notNull().default("queued"),
    error: text("error"),
    sentAt: timestamp("sent_at", tz),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
    providerMessageId: text("provider_message_id"),
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [
    index("email_sends_contact_id_idx").on(t.contactId),
    index("email_sends_status_created_at_idx").on(t.status, t.createdAt),
    uniqueIndex("email_sends_provider_message_id_idx")
      .on(t.providerMessageId)
      .where(sql`${t.providerMessageId} IS NOT NULL`),
  ],
);

export const trackedLinks = pgTable("tracked_links", {
  id: uuid("id").primaryKey().defaultRandom(),
  sendId: uuid("send_id")
    .notNull()
    .references(() => emailSends.id, { onDelete: "cascade" }),
  token: text("token").notNull().unique(),
  url: text("url").notNull(),
  createdAt: timestamp("created_at", tz).notNull().defaultNow(),
});

export const linkClicks = pgTable(
  "link_clicks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    linkId: uuid("link_id")
      .notNull()
      .references(() => trackedLinks.id, { onDelete: "cascade" }),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    clickedAt: timestamp("clicked_at", tz).notNull().defaultNow(),
  },
  (t) => [index("link_clicks_link_id_idx").on(t.linkId)],
);

export const emailPreferences = pgTable(
  "email_preferences",
  {
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    category: text("category").notNull(),
    subscribed: boolean("subscribed").notNull().default(true),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.category] })],
);

export const bucketMemberships = pgTable(
  "bucket_memberships",
  {
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    bucket: text("bucket").notNull(),
    joinedAt: timestamp("joined_at", tz).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.bucket] }), index("bucket_memberships_bucket_idx").on(t.bucket)],
);

export const userEvents = pgTable(
  "user_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    properties: jsonb("properties").notNull().default(sql`'{}'::jsonb`),
    occurredAt: timestamp("occurred_at", tz).notNull().defaultNow(),
    receivedAt: timestamp("received_at", tz).notNull().defaultNow(),
  },
  (t) => [
    index("user_events_contact_occurred_at_idx").on(t.contactId, t.occurredAt),
    index("user_events_name_idx").on(t.name),
  ],
);

// Dashboard authentication (better-auth layout): timestamps without time zone.

export const user = pgTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  createdAt: timestamp("created_at").notNull().defaultNow(),
  updatedAt: timestamp("updated_at").notNull().defaultNow(),
});

export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    expiresAt: timestamp("expires_at").notNull(),
    token: text("token").notNull().unique(),
    createdAt: timestamp("created_at").notNull().defaultNow(),
    updatedAt: timestamp("updated_at").notNull().defaultNow(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
  },
  (t) => [index("session_user_id_idx").on(t.userId)],
);

export const account = pgTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at"),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at"),
    scope: text("scope"),
    password: text("password"),
    createdAt: timestamp("created_at").notNull().defaultNow(),
    updatedAt: timestamp("updated_at").notNull().defaultNow(),
  },
  (t) => [index("account_user_id_idx").on(t.userId)],
);

export const verification = pgTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    createdAt: timestamp("created_at").notNull().defaultNow(),
    updatedAt: timestamp("updated_at").notNull().defaultNow(),
  },
  (t) => [index("verification_identifier_idx").on(t.identifier)],
);

// API keys.

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", tz),
    revokedAt: timestamp("revoked_at", tz),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
  },
  (t) => [index("api_keys_prefix_idx").on(t.prefix).where(sql`${t.revokedAt} IS NULL`)],
);
