ALTER TABLE "accounts" ADD COLUMN "nickname" text;--> statement-breakpoint
-- hogsend-db:lint-ignore DS103 score is unused since release 1.3 (contract step)
ALTER TABLE "accounts" DROP COLUMN "score";