CREATE TABLE "x" (
	"n" text DEFAULT 'café'
);