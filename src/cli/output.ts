/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface Output {
  json: boolean;
  /** A result: JSON on one line with --json, else the text. */
  result: (json: unknown, text: () => string) => void;
  /** A note for a person at a terminal (stderr), silent with --json. */
  note: (text: string) => void;
}

export function outputFor(json: boolean): Output {
  return {
    json,
    result: (value, text) => {
      process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
    },
    note: (text) => {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
}
