ALTER TABLE "café" ADD COLUMN "prix" numeric(6, 2);
--> statement-breakpoint
CREATE INDEX "café_nom_idx" ON "café" USING btree ("nom");