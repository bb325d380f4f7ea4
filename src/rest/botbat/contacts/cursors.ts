import { invalidRequest } from "../errors.js";

/** The 400 of a cursor that decodes but holds no position of this list (made for another). */
export function badCursor() {
  return invalidRequest("cursor is not valid: pass the cursor of the previous page");
}
