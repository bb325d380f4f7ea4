import { randomInt } from "node:crypto";

// The names a custom field gets at creation, as email tools give them: a merge tag for templates
// (MERGE_COMPANY_SIZE) and a column name (custom_company_size_k3x9qa). Both stay fixed when the
// field is renamed, so templates and integrations that use them keep working.

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Lower-case words of the name joined by "_", accents dropped: "Área (m²)" → "area_m2". */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  // A name with no Latin letter or digit at all still needs a usable tag and column.
  return slug || "field";
}

export function mergeTagOf(name: string): string {
  return `MERGE_${slugOf(name).toUpperCase()}`;
}

export function columnNameOf(name: string): string {
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `custom_${slugOf(name)}_${suffix}`.toLowerCase().replace(/[^a-z0-9_]/g, "");
}
