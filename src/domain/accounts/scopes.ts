export const AREAS = [
  "subscribers",
  "lists",
  "tags",
  "fields",
  "blocklist",
  "campaigns",
  "imports",
  "webhooks",
  "templates",
  "messages",
  "conversations",
] as const;
export type Area = (typeof AREAS)[number];
export type Scope = `${Area}:read` | `${Area}:write` | "admin";

export const ALL_SCOPES: Scope[] = [
  ...AREAS.flatMap((area) => [`${area}:read`, `${area}:write`] as Scope[]),
  "admin",
];

/**
 * Names other surfaces give a product scope (botbat's API calls subscribers contacts and the
 * right to send messages:send). A key is issued with the product scope, so every surface reads
 * the same list; `keys create --scopes contacts:read` is a key that may read subscribers only.
 */
export const SCOPE_ALIASES: Readonly<Record<string, Scope>> = {
  "contacts:read": "subscribers:read",
  "contacts:write": "subscribers:write",
  "messages:send": "messages:write",
};

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as string[]).includes(value);
}

/** The product scope a name stands for (itself, or what its alias means); null if unknown. */
export function scopeNamed(name: string): Scope | null {
  if (isScope(name)) return name;
  return SCOPE_ALIASES[name] ?? null;
}

/** `admin` grants everything; `<area>:write` grants `<area>:read`. */
export function grants(held: readonly string[], wanted: Scope): boolean {
  if (held.includes("admin") || held.includes(wanted)) return true;
  return wanted.endsWith(":read") && held.includes(wanted.replace(/:read$/, ":write"));
}
