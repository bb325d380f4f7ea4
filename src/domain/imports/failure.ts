/**
 * A problem with the file itself (not CSV, no email column): the import ends `failed` with this
 * message and the job is not retried, since another attempt would read the same bytes.
 */
export class ImportFailure extends Error {}

/**
 * Another process holds this import (a worker and the CLI both picked it up): a transient
 * condition, so the job is retried later and then finds the import finished.
 */
export class ImportBusy extends Error {}

/**
 * The process is stopping and asked the import to give up (an abort signal): nothing is merged,
 * the attempt does not count against the import, and its job runs again from the stored file.
 */
export class ImportInterrupted extends Error {
  constructor() {
    super("the import was interrupted by a stop and will run again");
  }
}
