import type { TaskList } from "graphile-worker";
import type { WorkerDeps } from "./worker.js";

/** Every task the workers run, by name. */
export function createTaskList(_deps: WorkerDeps): TaskList {
  return {};
}
