-- créé sur Windows
CREATE TABLE "café" (
	"id" serial PRIMARY KEY NOT NULL,
	"nom" text DEFAULT 'crème brûlée'
);
--> statement-breakpoint
INSERT INTO "café" ("nom") VALUES ('naïve ☕');