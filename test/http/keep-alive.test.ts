import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// A client keeps an idle connection a while before its next request (Node's fetch: up to 4 s; a
// load balancer: 60 s). The server must not close it first: with Node's default 5 s, a client
// slowed by a busy machine sent its next request on a closing socket and got ECONNRESET.

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

/** Sends one GET /healthz on the socket and resolves with the answer's status line. */
function healthz(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n") && text.includes('{"status":"ok"}')) {
        done();
        resolve(text.split("\r\n")[0]);
      }
    };
    const onEnd = () => {
      done();
      reject(new Error(`the server closed the connection (got: ${JSON.stringify(text)})`));
    };
    const done = () => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onEnd);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", onEnd);
    socket.write("GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n");
  });
}

it("keeps an idle keep-alive connection open longer than its clients do", async () => {
  const { port } = new URL(gateway.url);
  const socket = connect(Number(port), "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  try {
    expect(await healthz(socket)).toBe("HTTP/1.1 200 OK");
    // Longer than Node's default keep-alive (5 s), which closed the socket here.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    expect(await healthz(socket)).toBe("HTTP/1.1 200 OK");
  } finally {
    socket.destroy();
  }
});
