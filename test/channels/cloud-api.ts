import http from "node:http";
import type { AddressInfo } from "node:net";

// A local server speaking the WhatsApp Cloud API's send shape: POST /{version}/{phone-number-id}/
// messages with a bearer token, answered {messaging_product, contacts, messages: [{id}]}, or as
// a test scripts it (an error status with Meta's error body, no answer at all, or an answer held
// until the test lets it go).

export interface CloudRequest {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export type CloudAnswer = { status: number; error?: string } | "hang" | "hold" | "ok";

/** A send answered "hold": received, its answer kept until the test lets it go. */
export interface HeldSend {
  request: CloudRequest;
  /** Answers it as accepted (200 with its wamid), whether or not the sender still listens. */
  release: () => void;
  /** Closes its connection without an answer. */
  drop: () => void;
}

export interface TestCloudApi {
  /** The base URL (WHATSAPP_API_URL). */
  url: string;
  requests: CloudRequest[];
  /** Sends answered "hold", in the order they came. */
  held: HeldSend[];
  /** How the n-th send to `to` is answered (0-based); default ok. */
  answer: (to: string, n: number) => CloudAnswer;
  close: () => Promise<void>;
}

export async function startCloudApi(): Promise<TestCloudApi> {
  const counts = new Map<string, number>();
  let next = 0;
  const server = http.createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Record<string, unknown>;
    const request = { path: req.url ?? "", authorization: req.headers.authorization, body };
    api.requests.push(request);
    const to = String(body.to);
    const n = counts.get(to) ?? 0;
    counts.set(to, n + 1);
    const answer = api.answer(to, n);
    const accept = () => {
      next += 1;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          messaging_product: "whatsapp",
          contacts: [{ input: to, wa_id: to.replace(/\D/g, "") }],
          messages: [{ id: `wamid.TEST${next}` }],
        }),
      );
    };
    if (answer === "hang") return;
    if (answer === "hold") {
      // The sender may be gone by the time it is let go: its answer then goes nowhere.
      res.on("error", () => {});
      api.held.push({ request, release: accept, drop: () => res.destroy() });
      return;
    }
    if (answer === "ok") {
      accept();
      return;
    }
    res.writeHead(answer.status, { "content-type": "application/json" }).end(
      JSON.stringify({
        error: { message: answer.error ?? "error", type: "OAuthException", code: 131000 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const api: TestCloudApi = {
    url: `http://127.0.0.1:${port}/v21.0`,
    requests: [],
    held: [],
    answer: () => "ok",
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}
