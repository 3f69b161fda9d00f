-- hogsend-db:no-transaction
ALTER TABLE "accounts" ADD COLUMN "code" text;--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY "accounts_code_key" ON "accounts" USING btree ("code");