import { type Kysely, sql } from "kysely";

// A custom field's form type (how a subscription form shows it: text, website, date-us, a radio
// group, an option of a group…) is a product concept, not one dialect's column: named for what it
// is, with its check constraint.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table custom_fields rename column mailtrain_type to form_type;
    alter table custom_fields
      rename constraint custom_fields_mailtrain_type_check to custom_fields_form_type_check;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table custom_fields
      rename constraint custom_fields_form_type_check to custom_fields_mailtrain_type_check;
    alter table custom_fields rename column form_type to mailtrain_type;
  `.execute(db);
}
