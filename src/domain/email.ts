import { MAX_EMAIL } from "./bounds.js";

// Pragmatic address check: one "@", no spaces, a dot in the domain, within RFC 5321's lengths.
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\]]+$/;

export function isEmail(value: string): boolean {
  return (
    value.length <= MAX_EMAIL &&
    EMAIL.test(value) &&
    value.indexOf("@") <= 64 &&
    !value.includes("..")
  );
}

export function normalizeEmail(value: string): string {
  return value.trim();
}
