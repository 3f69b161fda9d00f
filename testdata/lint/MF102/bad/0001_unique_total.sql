DROP INDEX "orders_total_idx";
CREATE UNIQUE INDEX "orders_total_idx" ON "orders" USING btree ("total");