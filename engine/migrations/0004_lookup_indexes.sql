CREATE INDEX "contacts_email_lower_idx" ON "contacts" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "journey_states_due_idx" ON "journey_states" USING btree ("next_run_at") WHERE "journey_states"."status" = 'waiting';--> statement-breakpoint
CREATE UNIQUE INDEX "email_sends_provider_message_id_idx" ON "email_sends" USING btree ("provider_message_id") WHERE "email_sends"."provider_message_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "api_keys_prefix_idx" ON "api_keys" USING btree ("prefix") WHERE "api_keys"."revoked_at" IS NULL;