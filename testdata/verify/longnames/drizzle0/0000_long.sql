CREATE TABLE "customer_subscription_billing_events_history" (
	"id" serial PRIMARY KEY NOT NULL,
	"plan_identifier_code_for_external_billing" text NOT NULL,
	"amount_in_minor_currency_units_before_tax" integer NOT NULL,
	CONSTRAINT "customer_subscription_billing_events_history_amount_positive_check" CHECK ("customer_subscription_billing_events_history"."amount_in_minor_currency_units_before_tax" >= 0)
);
--> statement-breakpoint
CREATE TABLE "customer_subscription_plans_catalogue" (
	"id" serial PRIMARY KEY NOT NULL,
	"plan_identifier_code_for_external_billing" text NOT NULL,
	CONSTRAINT "customer_subscription_plans_catalogue_plan_identifier_code_for_external_billing_unique" UNIQUE("plan_identifier_code_for_external_billing")
);
--> statement-breakpoint
ALTER TABLE "customer_subscription_billing_events_history" ADD CONSTRAINT "customer_subscription_billing_events_history_plan_identifier_code_for_external_billing_customer_subscription_plans_catalogue_plan_identifier_code_for_external_billing_fk" FOREIGN KEY ("plan_identifier_code_for_external_billing") REFERENCES "public"."customer_subscription_plans_catalogue"("plan_identifier_code_for_external_billing") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_subscription_billing_events_history_plan_identifier_code_for_external_billing_amount_in_minor_currency_units_before_tax_index" ON "customer_subscription_billing_events_history" USING btree ("plan_identifier_code_for_external_billing","amount_in_minor_currency_units_before_tax");