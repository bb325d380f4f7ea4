export const AREAS = [
  "subscribers",
  "lists",
  "tags",
  "fields",
  "blocklist",
  "campaigns",
  "imports",
] as const;
export type Area = (typeof AREAS)[number];
export type Scope = `${Area}:read` | `${Area}:write` | "admin";

export const ALL_SCOPES: Scope[] = [
  ...AREAS.flatMap((area) => [`${area}:read`, `${area}:write`] as Scope[]),
  "admin",
];

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as string[]).includes(value);
}

/** `admin` grants everything; `<area>:write` grants `<area>:read`. */
export function grants(held: readonly string[], wanted: Scope): boolean {
  if (held.includes("admin") || held.includes(wanted)) return true;
  return wanted.endsWith(":read") && held.includes(wanted.replace(/:read$/, ":write"));
}
