ALTER TABLE "contacts" ADD COLUMN "unsubscribed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "email_sends" ADD COLUMN "provider_message_id" text;--> statement-breakpoint
ALTER TABLE "email_sends" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;