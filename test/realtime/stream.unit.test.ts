import { describe, expect, it } from "vitest";
import type { RealtimeChange } from "../../src/domain/realtime/publish.js";
import { ChangeStream, MAX_PENDING, type Notice } from "../../src/realtime/stream.js";

// What a subscriber that reads slower than changes come is handed: each changed thing once, at
// its latest (a notice is a cue to read the current state), and a cut-off far behind.

function notice(id: string): Notice {
  const change: RealtimeChange = { accountId: "1", topic: "message", id };
  return { kind: "change", change, at: 0, reads: new Map() };
}

async function ids(stream: ChangeStream, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let index = 0; index < count; index++) {
    const { value, done } = await stream.next();
    if (done) break;
    seen.push(value.kind === "change" ? value.change.id : "*");
  }
  return seen;
}

describe("a subscriber's stream of changes", () => {
  it("keeps each changed thing once while the client is behind, in the order first changed", async () => {
    const stream = new ChangeStream(() => {});
    for (const id of ["a", "b", "a", "c", "b", "a"]) stream.push(notice(id));
    expect(await ids(stream, 3)).toEqual(["a", "b", "c"]);
    stream.push(notice("a"));
    expect(await ids(stream, 1)).toEqual(["a"]);
  });

  it("cuts off a client that is 10,000 changed things behind, and says it ended", async () => {
    let ended = 0;
    const stream = new ChangeStream(() => ended++);
    for (let index = 0; index <= MAX_PENDING; index++) stream.push(notice(String(index)));
    expect(stream.overflowed).toBe(true);
    expect(ended).toBe(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it("ends at once when the client leaves while waiting for a change", async () => {
    let ended = 0;
    const stream = new ChangeStream(() => ended++);
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
    stream.push(notice("late"));
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
