CREATE TABLE "tickets" (
	"id" serial PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL
);