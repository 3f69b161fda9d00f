-- hogsend-db:lint-ignore MF102,HS201 totals were deduplicated by the 1.2 backfill job; orders is small
DROP INDEX "orders_total_idx";
CREATE UNIQUE INDEX "orders_total_idx" ON "orders" USING btree ("total");