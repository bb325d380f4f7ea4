/** Every public id is 32 lowercase hex: anything else names nothing, and is not looked up. */
export function isPublicId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}
