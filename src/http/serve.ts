import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type ServerType, serve } from "@hono/node-server";

// The Node HTTP server under the Hono app. Its one job beyond `serve`: an answer given before the
// request's body was read (a 413, a 401) must reach the client. Closing a socket whose peer is
// still sending makes the kernel answer with a reset, and a client that gets the reset before it
// has read the answer (most do, in the middle of their upload) sees no answer at all. So:
// - `Expect: 100-continue` is answered with 100 only when the app starts reading the body: a
//   request refused from its headers gets its 4xx and never sends the body;
// - after an answer, the rest of an unread body is read and thrown away, within bounds;
// - a connection Node closes (`Connection: close`, an unanswered Expect) is closed the lingering
//   way: our side first, then we keep reading until the client closes, within bounds.

/** How long, at most, the rest of a refused body is read and thrown away. */
export const LINGER_MS = 30_000;
/** How much of it, at most; past either bound the connection is cut. */
export const LINGER_BYTES = 1024 * 1024 * 1024;
/** How long an idle keep-alive connection stays open (above every usual client's own limit). */
export const KEEP_ALIVE_MS = 65_000;

type Fetch = Parameters<typeof serve>[0]["fetch"];

export interface ServeOptions {
  fetch: Fetch;
  port: number;
  hostname: string;
}

/** Cuts the connection once it has carried `LINGER_BYTES` more or lived `LINGER_MS` more. */
function bound(socket: Socket, done: (listener: () => void) => void): void {
  const startBytes = socket.bytesRead;
  const cut = () => socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  const meter = setInterval(() => {
    if (socket.bytesRead - startBytes > LINGER_BYTES) cut();
  }, 100);
  timer.unref();
  meter.unref();
  done(() => {
    clearTimeout(timer);
    clearInterval(meter);
  });
}

const lingering = new WeakSet<Socket>();

/** Closes our side now and the socket once the client has closed its own. */
function lingerThenClose(socket: Socket): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  socket.end();
  // The socket is read by the HTTP parser, which throws away the body of an answered request.
  bound(socket, (stop) => socket.once("close", stop));
  socket.once("end", () => socket.destroy());
}

/** After the answer, whatever of the body nobody read is read and dropped, within bounds. */
function drainAfterAnswer(request: IncomingMessage, response: ServerResponse): void {
  response.once("finish", () => {
    if (request.complete || request.destroyed) return;
    // A reader the app abandoned (a body limit that stopped halfway) would pause the stream.
    request.removeAllListeners("data");
    request.resume();
    const { socket } = request;
    bound(socket, (stop) => {
      request.once("end", stop);
      socket.once("close", stop);
    });
  });
}

/** `serve` with answers that always arrive; the same server for the gateway and the tests. */
export function serveApp(options: ServeOptions, onListening?: () => void): ServerType {
  const server = serve(
    {
      fetch: options.fetch,
      port: options.port,
      hostname: options.hostname,
      // drainAfterAnswer does it, without @hono/node-server's 500 ms cut that resets a client.
      autoCleanupIncoming: false,
    },
    onListening,
  ) as Server;
  // An idle keep-alive connection is closed by the client first (Node's fetch after 4 s, load
  // balancers after 60 s): were the server first (Node's default, 5 s), a client busy for a
  // second could send its next request on a socket being closed, and get ECONNRESET.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  server.on("connection", (socket: Socket) => {
    socket.destroySoon = () => lingerThenClose(socket);
  });
  server.prependListener("request", drainAfterAnswer);
  server.on("checkContinue", (request: IncomingMessage, response: ServerResponse) => {
    // Reading the body resumes the stream: only then is the client asked for it. An answer
    // given before that (a 413 from Content-Length) makes Node close the connection after it.
    request.once("resume", () => {
      if (!response.headersSent) response.writeContinue();
    });
    server.emit("request", request, response);
  });
  return server;
}
