-- hogsend-db:no-transaction
CREATE UNIQUE INDEX CONCURRENTLY "accounts_email_key" ON "accounts" USING btree ("email");