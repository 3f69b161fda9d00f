CREATE TABLE "customer_subscription_billing_events_history" (
	"id" serial PRIMARY KEY,
	"plan_identifier_code_for_external_billing" text NOT NULL,
	"amount_in_minor_currency_units_before_tax" integer NOT NULL,
	CONSTRAINT "customer_subscription_billing_events_history_amount_positive_check" CHECK ("amount_in_minor_currency_units_before_tax" >= 0)
);
--> statement-breakpoint
CREATE TABLE "customer_subscription_plans_catalogue" (
	"id" serial PRIMARY KEY,
	"plan_identifier_code_for_external_billing" text NOT NULL UNIQUE
);
--> statement-breakpoint
CREATE INDEX "customer_subscription_billing_events_history_plan_identifier_code_for_external_billing_amount_in_minor_currency_units_before_tax_index" ON "customer_subscription_billing_events_history" ("plan_identifier_code_for_external_billing","amount_in_minor_currency_units_before_tax");--> statement-breakpoint
ALTER TABLE "customer_subscription_billing_events_history" ADD CONSTRAINT "customer_subscription_billing_events_history_AhZYCpP5KHmv_fkey" FOREIGN KEY ("plan_identifier_code_for_external_billing") REFERENCES "customer_subscription_plans_catalogue"("plan_identifier_code_for_external_billing");