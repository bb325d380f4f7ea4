/** Rows in the order of the ids asked for, null where none matched: the shape a DataLoader wants. */
export function inRequestedOrder<Row, Key>(
  ids: readonly Key[],
  rows: readonly Row[],
  keyOf: (row: Row) => Key,
): (Row | null)[] {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return ids.map((id) => byKey.get(id) ?? null);
}
