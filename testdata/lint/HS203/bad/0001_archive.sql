ALTER TYPE "public"."status" ADD VALUE 'archived';--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "status" SET DEFAULT 'archived';