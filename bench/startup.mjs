// How long a start takes until the server is ready: spawns the server (by default the way
// `npm start` runs it: `node dist/src/main.js`), waits for its "contact-gateway listening" log
// line, checks that GET /readyz answers 200, prints `ready in N ms` (spawn to that line), then
// stops the server with SIGTERM and waits for it to exit (and so for the embedded PostgreSQL it
// started to stop).
//
//   node bench/startup.mjs                                   # the compiled server
//   node bench/startup.mjs -- node --import tsx src/main.ts  # the same through tsx
//
// Plain JavaScript, so that nothing but the server itself is compiled or loaded on the way. It
// passes the environment on (DATA_DIR, DATABASE_URL, EMBEDDED_PG_PORT…); PORT defaults to 4399 so
// as not to collide with a running `npm start`. The log line, not /readyz, is the signal: the
// server installs its SIGTERM handler once it has logged it, and a SIGTERM before that would end
// it without stopping the embedded PostgreSQL.
import { spawn } from "node:child_process";

const separator = process.argv.indexOf("--");
const command =
  separator === -1 ? [process.execPath, "dist/src/main.js"] : process.argv.slice(separator + 1);
const port = process.env.PORT ?? "4399";
const deadlineMs = 120_000;

const started = performance.now();
const child = spawn(command[0], command.slice(1), {
  env: { ...process.env, PORT: port, HOST: "127.0.0.1", LOG_LEVEL: "info" },
  stdio: ["ignore", "pipe", "inherit"],
});
const exited = new Promise((resolve) =>
  child.on("exit", (code, signal) => resolve({ code, signal })),
);

const listening = new Promise((resolve, reject) => {
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
    if (output.includes('"msg":"contact-gateway listening"')) resolve(performance.now() - started);
  });
  void exited.then((how) =>
    reject(new Error(`the server exited before it was ready: ${JSON.stringify(how)}\n${output}`)),
  );
  setTimeout(() => reject(new Error(`not ready after ${deadlineMs} ms\n${output}`)), deadlineMs);
});

let status = 0;
try {
  const ms = await listening;
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  if (ready.status !== 200) throw new Error(`/readyz answered ${ready.status}`);
  console.log(`ready in ${Math.round(ms)} ms`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  status = 1;
}
child.kill("SIGTERM");
await exited;
process.exit(status);
