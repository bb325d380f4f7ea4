import { unstorableFields } from "../kit/body.js";
import { describeProblems } from "../kit/pairs.js";
import type { Classified, SentContact } from "./contacts.js";
import { type ErrorDetail, invalid } from "./errors.js";

// Text that cannot be stored (a NUL, a lone surrogate) in a POST contact body. In the request's
// own fields (`list_id`, `tags`…) it refuses the request, like any other bad field there; in a
// contact it makes that contact invalid with its reason, like a bad email, and the others go on.
// Such a contact is set aside before anything is looked up: its text never reaches the database.

const dotted = (path: readonly (string | number)[]) => path.join(".");

/** Throws the request's 400 when a field other than `data` holds unstorable text. */
export function refuseUnstorableFields(raw: unknown): void {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return;
  const { data: _contacts, ...fields } = raw as Record<string, unknown>;
  const details: ErrorDetail[] = unstorableFields(fields, dotted);
  if (details.length > 0) {
    throw invalid(`Invalid request: ${describeProblems(details)}.`, details);
  }
}

export interface SetAside {
  /** The contacts whose text can be stored, in the order sent. */
  storable: SentContact[];
  /** The others, with their reason. */
  refused: Map<SentContact, string>;
}

export function setAsideUnstorable(contacts: readonly SentContact[]): SetAside {
  const out: SetAside = { storable: [], refused: new Map() };
  for (const contact of contacts) {
    const [problem] = unstorableFields(contact, dotted, 1);
    if (problem) out.refused.set(contact, `${problem.field} ${problem.message}`);
    else out.storable.push(contact);
  }
  return out;
}

/** The classification of the storable contacts with the refused ones put back, in sent order. */
export function withRefused(
  contacts: readonly SentContact[],
  refused: ReadonlyMap<SentContact, string>,
  classified: Classified,
): Classified {
  if (refused.size === 0) return classified;
  const reasons = new Map(classified.invalid.map(({ sent, reason }) => [sent, reason]));
  for (const [sent, reason] of refused) reasons.set(sent, reason);
  return {
    valid: classified.valid,
    invalid: contacts.flatMap((sent) => {
      const reason = reasons.get(sent);
      return reason === undefined ? [] : [{ sent, reason }];
    }),
  };
}
