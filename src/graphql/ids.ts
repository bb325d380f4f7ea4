import { NotFound } from "../domain/errors.js";
import { decodeGlobalIdOf } from "../global-ids.js";

export { decodeGlobalIdOf, globalIdOf } from "../global-ids.js";

/**
 * The public id inside a global id of the given type; any other id is that type's NotFound (an
 * id that cannot exist is not a validation problem).
 */
export function publicIdOf(globalId: string, typename: string): string {
  const id = decodeGlobalIdOf(globalId, typename);
  if (id === null) throw new NotFound(typename, globalId);
  return id;
}
