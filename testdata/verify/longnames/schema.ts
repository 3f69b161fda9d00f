import { pgTable, serial, integer, text, index, check } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
export const plans = pgTable("customer_subscription_plans_catalogue", {
  id: serial("id").primaryKey(),
  planIdentifierCode: text("plan_identifier_code_for_external_billing").notNull().unique(),
});
export const events = pgTable("customer_subscription_billing_events_history", {
  id: serial("id").primaryKey(),
  planIdentifierCode: text("plan_identifier_code_for_external_billing").notNull().references(() => plans.planIdentifierCode),
  amount: integer("amount_in_minor_currency_units_before_tax").notNull(),
}, (t) => [ index().on(t.planIdentifierCode, t.amount),
  check("customer_subscription_billing_events_history_amount_positive_check", sql`${t.amount} >= 0`) ]);
