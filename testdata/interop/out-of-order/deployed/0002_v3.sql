CREATE TABLE "labels" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"name" text NOT NULL,
	"color" text DEFAULT '#888888' NOT NULL,
	CONSTRAINT "labels_name_not_empty" CHECK (length("labels"."name") > 0)
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "legacy_code" text;--> statement-breakpoint
ALTER TABLE "labels" ADD CONSTRAINT "labels_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "labels_project_name_key" ON "labels" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "tickets_open_by_project_idx" ON "tickets" USING btree ("project_id") WHERE status = 'open';