CREATE TABLE "projects" (
	"id" serial PRIMARY KEY NOT NULL
);
--> statement-breakpoint
SELECT 1;