import type { AppDeps } from "../../../http/deps.js";
import type { BotbatApp } from "../routes.js";
import { registerContactCrud } from "./crud.js";
import { registerContactImport } from "./import.js";
import { registerContactList } from "./list.js";
import { registerContactSearch } from "./search.js";

// The seven endpoints of the Contacts API, and the import's poll. The fixed paths
// (/v1/contacts/search, /v1/contacts/import) are registered before /v1/contacts/{id}, which
// would otherwise take them for ids.

export function registerContactRoutes(app: BotbatApp, deps: AppDeps): void {
  registerContactSearch(app, deps);
  registerContactImport(app, deps);
  registerContactList(app, deps);
  registerContactCrud(app, deps);
}
