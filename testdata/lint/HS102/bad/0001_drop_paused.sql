CREATE TYPE "public"."status_new" AS ENUM('active', 'done');--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "status" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "status" SET DATA TYPE "public"."status_new" USING "status"::text::"public"."status_new";--> statement-breakpoint
DROP TYPE "public"."status";--> statement-breakpoint
ALTER TYPE "public"."status_new" RENAME TO "status";--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "status" SET DEFAULT 'active';