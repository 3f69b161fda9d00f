-- hogsend-db:no-transaction
CREATE INDEX CONCURRENTLY "tickets_project_idx" ON "tickets" ("project_id");