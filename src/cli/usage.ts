/** A mistake in the command line itself: exit code 2, with a pointer to the help. */
export class UsageError extends Error {}

export const USAGE = `Usage: contact-gateway <command> [options]

Commands:
  accounts create --name NAME [--email EMAIL] [--json]
      Creates an account and an API key with every scope (the key is shown once).
  accounts update --account SID [--name NAME] [--email EMAIL] [--json]
      Renames the account or sets its owner email (where botamp's batch reports go);
      --email "" clears it.
  keys create --account SID [--scopes a,b] [--label LABEL] [--sandbox] [--json]
      Issues an API key; a label revokes the account's previous key with that label.
      Scopes: <area>:read, <area>:write (areas: subscribers, lists, tags, fields, blocklist,
      campaigns, imports, webhooks, templates, messages, conversations) and admin; botbat's
      names contacts:read, contacts:write and messages:send too. Default: every scope.
      --sandbox: a sandbox key, over the same account: what it creates is flagged sandbox and
      nothing it sends leaves the system.
  keys list --account SID [--json]
      The account's keys (their ids, never their secrets).
  keys revoke --account SID KEY_ID [--json]
  agents add --account SID --name NAME --email EMAIL [--json]
      Adds an agent, who answers conversations (one per email, in any case).
  agents list --account SID [--json]
      The account's agents, oldest first.
  import FILE --account SID [--list LIST_ID] [--keep-existing] [--json]
      Imports a CSV of subscribers in this process, with a progress bar on a terminal.
      --keep-existing leaves subscribers already in the account as they are.

The database is DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (as for \`npm start\`).
Exit codes: 0 done, 1 failed, 2 usage error.
`;
