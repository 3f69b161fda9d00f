CREATE TABLE "labels" (
	"id" serial PRIMARY KEY,
	"project_id" integer NOT NULL,
	"name" text NOT NULL,
	"color" text DEFAULT '#888888' NOT NULL,
	CONSTRAINT "labels_name_not_empty" CHECK (length("name") > 0)
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "legacy_code" text;--> statement-breakpoint
CREATE UNIQUE INDEX "labels_project_name_key" ON "labels" ("project_id","name");--> statement-breakpoint
CREATE INDEX "tickets_open_by_project_idx" ON "tickets" ("project_id") WHERE status = 'open';--> statement-breakpoint
ALTER TABLE "labels" ADD CONSTRAINT "labels_project_id_projects_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE;