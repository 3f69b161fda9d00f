-- Desired state of the Hogsend engine schema (engine release 1.4.0).
--
-- This file is the schema that the bundled migrations in migrations/ build,
-- written as plain DDL for a reader and for `hogsend-db generate` to diff
-- against. Applying it to an empty database must give exactly what applying
-- every migration in order gives (engine_test.go checks this against a real
-- PostgreSQL). Object names match the migrations one for one. Columns added
-- by later migrations are listed last in their table so that even the column
-- order matches.

CREATE TYPE "public"."journey_status" AS ENUM ('active', 'waiting', 'completed', 'exited');
CREATE TYPE "public"."send_status" AS ENUM ('queued', 'sending', 'sent', 'delivered', 'failed', 'bounced');

-- Contacts and what happens to them --------------------------------------

CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"external_id" text NOT NULL,
	"email" text,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"unsubscribed_at" timestamp with time zone,
	CONSTRAINT "contacts_external_id_unique" UNIQUE ("external_id")
);
CREATE INDEX "contacts_email_lower_idx" ON "contacts" USING btree (lower("email"));

CREATE TABLE "journey_states" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contact_id" uuid NOT NULL,
	"journey" text NOT NULL,
	"step" text NOT NULL,
	"status" "journey_status" DEFAULT 'active' NOT NULL,
	"next_run_at" timestamp with time zone,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "journey_states_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "journey_states_contact_journey_idx" ON "journey_states" USING btree ("contact_id", "journey");
CREATE INDEX "journey_states_due_idx" ON "journey_states" USING btree ("next_run_at") WHERE "status" = 'waiting';

CREATE TABLE "email_sends" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contact_id" uuid NOT NULL,
	"journey_state_id" uuid,
	"template" text NOT NULL,
	"subject" text NOT NULL,
	"to_address" text NOT NULL,
	"status" "send_status" DEFAULT 'queued' NOT NULL,
	"error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"provider_message_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "email_sends_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts" ("id") ON DELETE CASCADE,
	CONSTRAINT "email_sends_journey_state_id_journey_states_id_fk" FOREIGN KEY ("journey_state_id") REFERENCES "public"."journey_states" ("id") ON DELETE SET NULL
);
CREATE INDEX "email_sends_contact_id_idx" ON "email_sends" USING btree ("contact_id");
CREATE INDEX "email_sends_status_created_at_idx" ON "email_sends" USING btree ("status", "created_at");
CREATE UNIQUE INDEX "email_sends_provider_message_id_idx" ON "email_sends" USING btree ("provider_message_id") WHERE "provider_message_id" IS NOT NULL;

CREATE TABLE "tracked_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"send_id" uuid NOT NULL,
	"token" text NOT NULL,
	"url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tracked_links_token_unique" UNIQUE ("token"),
	CONSTRAINT "tracked_links_send_id_email_sends_id_fk" FOREIGN KEY ("send_id") REFERENCES "public"."email_sends" ("id") ON DELETE CASCADE
);

CREATE TABLE "link_clicks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"link_id" uuid NOT NULL,
	"ip_address" text,
	"user_agent" text,
	"clicked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "link_clicks_link_id_tracked_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."tracked_links" ("id") ON DELETE CASCADE
);
CREATE INDEX "link_clicks_link_id_idx" ON "link_clicks" USING btree ("link_id");

CREATE TABLE "email_preferences" (
	"contact_id" uuid NOT NULL,
	"category" text NOT NULL,
	"subscribed" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_preferences_contact_id_category_pk" PRIMARY KEY ("contact_id", "category"),
	CONSTRAINT "email_preferences_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts" ("id") ON DELETE CASCADE
);

CREATE TABLE "bucket_memberships" (
	"contact_id" uuid NOT NULL,
	"bucket" text NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bucket_memberships_contact_id_bucket_pk" PRIMARY KEY ("contact_id", "bucket"),
	CONSTRAINT "bucket_memberships_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts" ("id") ON DELETE CASCADE
);
CREATE INDEX "bucket_memberships_bucket_idx" ON "bucket_memberships" USING btree ("bucket");

CREATE TABLE "user_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"contact_id" uuid NOT NULL,
	"name" text NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_events_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts" ("id") ON DELETE CASCADE
);
CREATE INDEX "user_events_contact_occurred_at_idx" ON "user_events" USING btree ("contact_id", "occurred_at");
CREATE INDEX "user_events_name_idx" ON "user_events" USING btree ("name");

-- Dashboard authentication (better-auth layout) ----------------------------

CREATE TABLE "user" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"email_verified" boolean DEFAULT false NOT NULL,
	"image" text,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "user_email_unique" UNIQUE ("email")
);

CREATE TABLE "session" (
	"id" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp NOT NULL,
	"token" text NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"ip_address" text,
	"user_agent" text,
	"user_id" text NOT NULL,
	CONSTRAINT "session_token_unique" UNIQUE ("token"),
	CONSTRAINT "session_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user" ("id") ON DELETE CASCADE
);
CREATE INDEX "session_user_id_idx" ON "session" USING btree ("user_id");

CREATE TABLE "account" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"provider_id" text NOT NULL,
	"user_id" text NOT NULL,
	"access_token" text,
	"refresh_token" text,
	"id_token" text,
	"access_token_expires_at" timestamp,
	"refresh_token_expires_at" timestamp,
	"scope" text,
	"password" text,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "account_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user" ("id") ON DELETE CASCADE
);
CREATE INDEX "account_user_id_idx" ON "account" USING btree ("user_id");

CREATE TABLE "verification" (
	"id" text PRIMARY KEY NOT NULL,
	"identifier" text NOT NULL,
	"value" text NOT NULL,
	"expires_at" timestamp NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL
);
CREATE INDEX "verification_identifier_idx" ON "verification" USING btree ("identifier");

-- API keys ------------------------------------------------------------------

CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_by" text,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE ("key_hash"),
	CONSTRAINT "api_keys_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user" ("id") ON DELETE SET NULL
);
CREATE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix") WHERE "revoked_at" IS NULL;