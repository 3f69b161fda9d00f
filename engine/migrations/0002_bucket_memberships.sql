CREATE TABLE "bucket_memberships" (
	"contact_id" uuid NOT NULL,
	"bucket" text NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bucket_memberships_contact_id_bucket_pk" PRIMARY KEY("contact_id","bucket")
);
--> statement-breakpoint
ALTER TABLE "bucket_memberships" ADD CONSTRAINT "bucket_memberships_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bucket_memberships_bucket_idx" ON "bucket_memberships" USING btree ("bucket");