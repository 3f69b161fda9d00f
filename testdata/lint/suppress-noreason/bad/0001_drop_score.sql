ALTER TABLE "accounts" ADD COLUMN "nickname" text;--> statement-breakpoint
-- hogsend-db:lint-ignore DS103
ALTER TABLE "accounts" DROP COLUMN "score";