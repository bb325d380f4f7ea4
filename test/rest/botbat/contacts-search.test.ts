import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { type Botbat, botbat } from "./contacts-client.js";

// GET /v1/contacts/search?q=: fuzzy across name, email and phone (pg_trgm), best first, paged
// by cursor like lists, only the key's account.

let gateway: TestGateway;
let accountId: string;
let api: Botbat;

type Contact = {
  id: string;
  email: string;
  name: string | null;
  phone: string | null;
  score: number;
};
type Page = { data: Contact[]; cursor: string | null; total: number };
type ErrorBody = { error: { code: string; details?: { field: string; message: string }[] } };

const PEOPLE = [
  { name: "John Smith", email: "jsmith@example.com", phone: "+14155550100" },
  { name: "Johanna Smithers", email: "jo@example.org", phone: "+14155550111" },
  { name: "Mary Jones", email: "mary.jones@example.net", phone: "+442071838750" },
  { name: "Jon Smyth", email: "smyth@example.com" },
  { name: "Peter Parker", email: "spidey@dailybugle.com" },
  { name: "Ann Lee", email: "ann.lee@acme.io", phone: "+16465550142" },
  { name: "Annabel Leeds", email: "ann.leeds@acme.io", phone: "+441615550142" },
];

beforeAll(async () => {
  gateway = await startTestGateway();
  const account = await gateway.account();
  accountId = account.id;
  api = botbat(gateway, account.key);
  for (const person of PEOPLE) expect((await api.post("/v1/contacts", person)).status).toBe(201);
  // A subscriber whose phone another surface stored with punctuation.
  await gateway.database.db
    .insertInto("subscribers")
    .values({
      account_id: accountId,
      email: "punct@example.com",
      first_name: "Pat",
      phone: "(212) 555-0199",
    })
    .execute();
});
afterAll(async () => {
  await gateway?.close();
});

const search = <T = Page>(q: string, extra = "") =>
  api.get<T>(`/v1/contacts/search?q=${encodeURIComponent(q)}${extra}`);

describe("GET /v1/contacts/search", () => {
  it("finds John Smith for 'jon smyth', best match first, with scores", async () => {
    const found = await search("jon smyth");
    expect(found.status).toBe(200);
    const names = found.body.data.map((contact) => contact.name);
    expect(names[0]).toBe("Jon Smyth");
    expect(names).toContain("John Smith");
    expect(names).not.toContain("Peter Parker");
    // A weaker likeness ("jones" shares "jon") may follow, never lead.
    if (names.includes("Mary Jones"))
      expect(names.indexOf("Mary Jones")).toBeGreaterThan(names.indexOf("John Smith"));
    const scores = found.body.data.map((contact) => contact.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(found.body.total).toBe(found.body.data.length);

    const john = await search("john smith");
    expect(john.body.data[0].name).toBe("John Smith");
    // Either order, and one word: a first or last name that sounds like it.
    expect((await search("smyth jon")).body.data.map((contact) => contact.name)).toContain(
      "John Smith",
    );
    const smyth = (await search("smyth")).body.data.map((contact) => contact.name);
    expect(smyth).toEqual(expect.arrayContaining(["John Smith", "Jon Smyth"]));
    expect(smyth).not.toContain("Peter Parker");
  });

  it("matches emails and phones, a phone ignoring punctuation either way", async () => {
    expect((await search("mary.jones")).body.data[0].email).toBe("mary.jones@example.net");
    expect((await search("dailybugle")).body.data.map((contact) => contact.name)).toEqual([
      "Peter Parker",
    ]);
    const phone = await search("(415) 555-0100");
    expect(phone.body.data[0]).toMatchObject({ name: "John Smith", phone: "+14155550100" });
    const uk = await search("+44 20 7183 8750");
    expect(uk.body.data[0].name).toBe("Mary Jones");
    const stored = await search("+1 212-555-0199");
    expect(stored.body.data[0].email).toBe("punct@example.com");
  });

  it("finds an email by its beginning, the closest first", async () => {
    const names = async (q: string) => (await search(q)).body.data.map((contact) => contact.name);
    expect(await names("ann.lee")).toEqual(["Ann Lee", "Annabel Leeds"]);
    expect(await names("ann.leeds@")).toEqual(["Annabel Leeds"]);
    expect(await names("mary.jo")).toEqual(["Mary Jones"]);
    // A typo in the domain: the local part and its @ still begin the email.
    expect(await names("mary.jones@exmaple.net")).toEqual(["Mary Jones"]);
    // Two letters that sound like nobody's name: the beginning of spidey@dailybugle.com.
    expect(await names("sp")).toEqual(["Peter Parker"]);
  });

  it("finds a phone by its last digits, whatever the punctuation", async () => {
    const found = await search("555-0142");
    expect(found.body.data.map((contact) => [contact.name, contact.phone])).toEqual([
      ["Ann Lee", "+16465550142"],
      ["Annabel Leeds", "+441615550142"],
    ]);
    expect(found.body.total).toBe(2);
    expect((await search("(646) 555 0142")).body.data.map((contact) => contact.name)).toEqual([
      "Ann Lee",
    ]);
    expect((await search("555.0111")).body.data.map((contact) => contact.name)).toEqual([
      "Johanna Smithers",
    ]);
  });

  it("finds a name one typo away even when the typo changes its sound", async () => {
    // "paker" sounds PKR, Parker PRKR; it is Parker without its r.
    const found = await search("peter paker");
    expect(found.body.data.map((contact) => contact.name)).toEqual(["Peter Parker"]);
    // Either order, and two letters swapped.
    expect((await search("paker peter")).body.data.map((c) => c.name)).toEqual(["Peter Parker"]);
    expect((await search("petre parker")).body.data.map((c) => c.name)).toEqual(["Peter Parker"]);
    expect((await search("anabel leds")).body.data[0].name).toBe("Annabel Leeds");
  });

  it("falls back to trigram likeness when nothing begins or sounds like the query", async () => {
    // A letter too many inside an email: no email begins with it.
    expect((await search("marry.jones@example.net")).body.data.map((c) => c.name)).toEqual([
      "Mary Jones",
    ]);
    // Nothing matches at all: an empty page, not an error.
    expect((await search("zzqxv@nowhere.example")).body).toEqual({
      data: [],
      cursor: null,
      total: 0,
    });
  });

  it("pages by cursor without repeating or skipping a match", async () => {
    const all = await search("smith", "&limit=100");
    expect(all.body.data.length).toBeGreaterThanOrEqual(2);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Page } = await search(
        "smith",
        `&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(all.body.total);
      seen.push(...page.body.data.map((contact) => contact.id));
      cursor = page.body.cursor;
    } while (cursor !== null && seen.length < 20);
    expect(seen).toEqual(all.body.data.map((contact) => contact.id));
  });

  it("answers 422 without q or with a q too short, 400 for a bad cursor, 403 without contacts:read, and searches only the key's account", async () => {
    const missing = await api.get<ErrorBody>("/v1/contacts/search");
    expect(missing.status).toBe(422);
    expect(missing.body.error.details?.[0].field).toBe("q");
    const short = await search<ErrorBody>(" j ");
    expect(short.status).toBe(422);
    expect(short.body.error.details).toEqual([
      { field: "q", message: "needs at least 2 characters" },
    ]);
    expect((await search("smith", "&limit=0")).status).toBe(422);
    expect((await search("smith", "&limit=101")).status).toBe(422);
    const badCursor = await search<ErrorBody>("smith", "&cursor=bm90LWEtY3Vyc29y");
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe("invalid_request");

    const tagsOnly = botbat(gateway, await gateway.key(accountId, ["tags:read"]));
    expect((await tagsOnly.get("/v1/contacts/search?q=smith")).status).toBe(403);

    const other = await gateway.account("other");
    const theirs = botbat(gateway, other.key);
    expect((await theirs.get<Page>("/v1/contacts/search?q=john%20smith")).body).toEqual({
      data: [],
      cursor: null,
      total: 0,
    });
  });
});
