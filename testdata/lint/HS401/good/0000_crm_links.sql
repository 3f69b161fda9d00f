CREATE TABLE "crm_links" (
	"contact_id" uuid NOT NULL,
	"crm_id" text NOT NULL
);--> statement-breakpoint
ALTER TABLE "crm_links" ADD CONSTRAINT "crm_links_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;