CREATE TABLE "invoices" (
	"id" serial PRIMARY KEY NOT NULL
);