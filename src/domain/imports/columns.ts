import type { CustomFieldDefinition } from "../fields/values.js";

// Which CSV column feeds which subscriber attribute, decided once from the header row.

export const STANDARD_COLUMNS = [
  "email",
  "first_name",
  "last_name",
  "phone",
  "timezone",
  "job_title",
  "company",
  "country",
  "address",
  "website",
  "postal_code",
  "birthday",
  "tags",
] as const;
export type StandardColumn = (typeof STANDARD_COLUMNS)[number];

/** Tag names in one `tags` cell are separated by this character: `vip|newsletter`. */
export const TAG_SEPARATOR = "|";

/** Header spellings seen in exports of other tools, compared after `headerKey`. */
const ALIASES: Record<string, StandardColumn> = {
  email: "email",
  emailaddress: "email",
  mail: "email",
  firstname: "first_name",
  fname: "first_name",
  givenname: "first_name",
  lastname: "last_name",
  lname: "last_name",
  surname: "last_name",
  familyname: "last_name",
  phone: "phone",
  phonenumber: "phone",
  mobile: "phone",
  mobilephone: "phone",
  telephone: "phone",
  tel: "phone",
  timezone: "timezone",
  tz: "timezone",
};

/**
 * Profile columns added after custom fields existed: a custom field with the same name keeps its
 * column (an account's "Country" field goes on being filled), so these are looked up last.
 */
const PROFILE_ALIASES: Record<string, StandardColumn> = {
  jobtitle: "job_title",
  company: "company",
  companyname: "company",
  organization: "company",
  organisation: "company",
  country: "country",
  address: "address",
  website: "website",
  url: "website",
  postalcode: "postal_code",
  postcode: "postal_code",
  zip: "postal_code",
  zipcode: "postal_code",
  birthday: "birthday",
  birthdate: "birthday",
  dateofbirth: "birthday",
  tags: "tags",
};

/** "First Name", "first_name", "FIRST-NAME" and "*|FNAME|*" all compare by their letters and digits. */
export function headerKey(header: string): string {
  return header.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

export type ImportField = CustomFieldDefinition & { merge_tag: string; column_name: string };

export interface ColumnLayout {
  /** The header row as it is in the file. */
  headers: readonly string[];
  /** Column index of each standard attribute, -1 when the file has no such column. */
  standard: Record<StandardColumn, number>;
  /** Custom field columns, in file order. */
  custom: { index: number; field: ImportField }[];
  /** Headers that matched nothing; their values are not imported. */
  ignored: string[];
}

/**
 * Maps the header row. Standard attributes win over custom fields with the same name, custom
 * fields over the later profile columns; a second column for the same target is ignored (the
 * first one wins, as for duplicate emails).
 */
export function layoutOf(header: readonly string[], fields: readonly ImportField[]): ColumnLayout {
  const byKey = new Map<string, ImportField>();
  for (const field of fields) {
    for (const name of [field.name, field.merge_tag, field.column_name]) {
      const key = headerKey(name ?? "");
      if (key && !byKey.has(key)) byKey.set(key, field);
    }
  }
  const standard = Object.fromEntries(STANDARD_COLUMNS.map((column) => [column, -1])) as Record<
    StandardColumn,
    number
  >;
  const custom: ColumnLayout["custom"] = [];
  const taken = new Set<string>();
  const ignored: string[] = [];
  header.forEach((name, index) => {
    const key = headerKey(name);
    const column = ALIASES[key];
    if (column && standard[column] === -1) {
      standard[column] = index;
      return;
    }
    const field = column ? undefined : byKey.get(key);
    if (field && !taken.has(field.id)) {
      taken.add(field.id);
      custom.push({ index, field });
      return;
    }
    const profile = column || field ? undefined : PROFILE_ALIASES[key];
    if (profile && standard[profile] === -1) {
      standard[profile] = index;
      return;
    }
    if (name.trim() !== "") ignored.push(name);
  });
  return { headers: header, standard, custom, ignored };
}
