import type { AddressInfo } from "node:net";
import smpp, { type Pdu, type Session } from "smpp";

// A real SMPP server (the smpp package's) for the sms channel's tests: it binds transceivers,
// answers submit_sm as each test scripts it, keeps what it received, and sends deliver_sm
// (receipts and messages from phones) over the bound session.

export type SubmitAnswer =
  | { kind: "accept"; receipt?: "DELIVRD" | "UNDELIV" | null }
  | { kind: "refuse"; status: number }
  | { kind: "drop" }
  | { kind: "silent" };

export interface TestSmsc {
  url: string;
  submits: Pdu[];
  binds: number;
  /** deliver_sm answers (their command_status) in order. */
  deliverAnswers: number[];
  /** How the n-th submit_sm to a number (digits) is answered (0-based); default accept. */
  answer: (destination: string, n: number) => SubmitAnswer;
  deliver: (fields: Record<string, unknown>) => Promise<number>;
  close: () => Promise<void>;
}

export async function startTestSmsc(): Promise<TestSmsc> {
  let bound: Session | null = null;
  let next = 0;
  const counts = new Map<string, number>();
  const server = smpp.createServer((session) => {
    session.on("error", () => {});
    session.on("bind_transceiver", (pdu: Pdu) => {
      if (pdu.system_id !== "gateway" || pdu.password !== "secret") {
        session.send(pdu.response({ command_status: smpp.errors.ESME_RBINDFAIL }));
        session.close();
        return;
      }
      smsc.binds += 1;
      bound = session;
      session.send(pdu.response({ system_id: "test-smsc" }));
    });
    session.on("enquire_link", (pdu: Pdu) => session.send(pdu.response()));
    session.on("unbind", (pdu: Pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on("submit_sm", (pdu: Pdu) => {
      smsc.submits.push(pdu);
      const destination = String(pdu.destination_addr);
      const n = counts.get(destination) ?? 0;
      counts.set(destination, n + 1);
      const answer = smsc.answer(destination, n);
      if (answer.kind === "drop") {
        session.destroy();
        return;
      }
      if (answer.kind === "silent") return;
      if (answer.kind === "refuse") {
        session.send(pdu.response({ command_status: answer.status }));
        return;
      }
      next += 1;
      const id = `smsc-${next}`;
      session.send(pdu.response({ message_id: id }));
      if (answer.receipt) {
        const text = `id:${id} sub:001 dlvrd:${answer.receipt === "DELIVRD" ? "001" : "000"} submit date:2612052300 done date:2612052301 stat:${answer.receipt} err:${answer.receipt === "DELIVRD" ? "000" : "034"} text:`;
        setTimeout(
          () =>
            session.deliver_sm({
              source_addr: destination,
              destination_addr: String(pdu.source_addr ?? ""),
              esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
              short_message: text,
            }),
          20,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const smsc: TestSmsc = {
    url: `smpp://gateway:secret@127.0.0.1:${port}`,
    submits: [],
    binds: 0,
    deliverAnswers: [],
    answer: () => ({ kind: "accept", receipt: "DELIVRD" }),
    deliver: (fields) =>
      new Promise((resolve, reject) => {
        if (!bound) return reject(new Error("no bound session"));
        bound.deliver_sm(fields, (response) => {
          smsc.deliverAnswers.push(response.command_status);
          resolve(response.command_status);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const session of server.sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
  return smsc;
}
