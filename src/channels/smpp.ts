import smpp, { type Pdu, type Session } from "smpp";
import type { Logger } from "../log.js";
import { type Channel, type OutboundMessage, ProviderError, type SendResult } from "./channel.js";

// SMS over SMPP: one transceiver session per process, bound with the system_id and password of
// SMPP_URL, rebound with backoff whenever it drops. submit_sm asks for a delivery receipt
// (registered_delivery 1); the SMSC's message_id is the provider's id, and its deliver_sm
// receipts name it. Every deliver_sm is answered once handled: a receipt becomes a status, any
// other deliver_sm is a message from a phone. A handler that fails answers a temporary error
// (ESME_RX_T_APPN), so the SMSC delivers it again.

export interface SmppSettings {
  /** smpp://system_id:password@host:2775 */
  url: string;
  /** Our sender: a phone number (digits) or an alphanumeric name; unset: the SMSC's default. */
  sourceAddr: string | null;
  /** How long a submit_sm waits for its response, and a send for a bound session. */
  timeoutMs: number;
}

/** A delivery receipt: the SMSC's message id and its final state (DELIVRD, UNDELIV…). */
export interface SmppReceipt {
  providerMessageId: string;
  state: string;
  /** The network's error code, when the receipt carries one (err:xxx). */
  error: string | null;
}

export interface SmppInbound {
  /** The sender's number as the SMSC gives it (digits, maybe with +). */
  from: string;
  to: string;
  text: string;
}

export interface SmppHandlers {
  receipt(receipt: SmppReceipt): Promise<void>;
  inbound(message: SmppInbound): Promise<void>;
}

export interface SmppChannel extends Channel {
  /** Resolves once the session is bound (tests; a send waits by itself). */
  bound(): Promise<void>;
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 30_000;
const ENQUIRE_LINK_MS = 30_000;

// Throttling and the SMSC's own troubles pass with time; any other refusal is about the message.
const RETRYABLE = new Set(
  ["ESME_RSYSERR", "ESME_RMSGQFUL", "ESME_RTHROTTLED", "ESME_RX_T_APPN"].map(
    (name) => smpp.errors[name],
  ),
);

function statusName(status: number): string {
  const name = Object.entries(smpp.errors).find(([, value]) => value === status)?.[0];
  return `${name ?? "error"} (0x${status.toString(16).padStart(8, "0")})`;
}

/** The text of a short_message or message_payload as the package decodes it. */
function textOf(pdu: Pdu): string {
  const field = pdu.message_payload ?? pdu.short_message;
  if (typeof field === "string") return field;
  if (Buffer.isBuffer(field)) return field.toString("latin1");
  const message = (field as { message?: unknown } | undefined)?.message;
  if (typeof message === "string") return message;
  if (Buffer.isBuffer(message)) return message.toString("latin1");
  return "";
}

/** `id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:000 text:…` (SMPP 3.4 App. B). */
export function parseReceipt(pdu: Pdu): SmppReceipt | null {
  const text = textOf(pdu);
  const id =
    typeof pdu.receipted_message_id === "string"
      ? pdu.receipted_message_id
      : /\bid:(\S+)/i.exec(text)?.[1];
  const state = /\bstat:(\w+)/i.exec(text)?.[1];
  if (!id || !state) return null;
  return {
    providerMessageId: id,
    state: state.toUpperCase(),
    error: /\berr:(\w+)/i.exec(text)?.[1] ?? null,
  };
}

/** Whether a deliver_sm is a receipt: esm_class bits 2–5 say MC delivery receipt (0001) or
 * intermediate notification (1000); anything else is a message from a phone. */
function isReceipt(pdu: Pdu): boolean {
  const esm = typeof pdu.esm_class === "number" ? pdu.esm_class : 0;
  const type = esm & 0x3c;
  return type === smpp.ESM_CLASS.MC_DELIVERY_RECEIPT || type === 0x20;
}

function numberFields(address: string, prefix: "source" | "dest"): Record<string, unknown> {
  const digits = /^\+?\d+$/.test(address);
  const field = prefix === "source" ? "source_addr" : "destination_addr";
  // International number (TON 1, NPI 1 ISDN), or an alphanumeric sender (TON 5).
  return digits
    ? { [`${prefix}_addr_ton`]: 1, [`${prefix}_addr_npi`]: 1, [field]: address.replace(/^\+/, "") }
    : { [`${prefix}_addr_ton`]: 5, [`${prefix}_addr_npi`]: 0, [field]: address };
}

/** Octets of the text as the package encodes it: one per character in GSM/Latin-1, two in UCS-2. */
function smsOctets(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the Latin-1 range starts at U+0000
  return /^[\u0000-\u00ff]*$/.test(text) ? text.length : text.length * 2;
}

export function createSmppChannel(
  settings: SmppSettings,
  handlers: SmppHandlers,
  log: Logger,
): SmppChannel {
  const url = new URL(settings.url);
  const credentials = {
    system_id: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  const host = url.hostname;
  const port = url.port ? Number(url.port) : 2775;

  let session: Session | null = null;
  let isBound = false;
  let closed = false;
  let backoff = RECONNECT_MIN_MS;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let waiters: (() => void)[] = [];
  /** Submits awaiting their response on the current session: a drop fails them all. */
  const pending = new Set<(error: ProviderError) => void>();

  const connect = () => {
    if (closed) return;
    const current = smpp.connect({ host, port, auto_enquire_link_period: ENQUIRE_LINK_MS });
    session = current;
    current.on("connect", () => {
      current.bind_transceiver(credentials, (pdu) => {
        if (pdu.command_status !== 0) {
          log.error({ status: statusName(pdu.command_status) }, "SMPP bind refused");
          current.destroy();
          return;
        }
        log.info({ host, port }, "SMPP session bound");
        isBound = true;
        backoff = RECONNECT_MIN_MS;
        const ready = waiters;
        waiters = [];
        for (const wake of ready) wake();
      });
    });
    current.on("deliver_sm", (pdu: Pdu) => void answerDeliverSm(current, pdu));
    current.on("enquire_link", (pdu: Pdu) => current.send(pdu.response()));
    current.on("unbind", (pdu: Pdu) => {
      current.send(pdu.response());
      current.close();
    });
    current.on("error", (error: Error) => log.warn({ err: error }, "SMPP connection error"));
    current.on("close", () => {
      if (session !== current) return;
      session = null;
      isBound = false;
      const dropped = new ProviderError("the SMPP connection dropped before the answer", true);
      for (const fail of pending) fail(dropped);
      pending.clear();
      if (closed) return;
      log.warn({ host, port, retryInMs: backoff }, "SMPP session closed: reconnecting");
      reconnectTimer = setTimeout(connect, backoff);
      reconnectTimer.unref();
      backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
    });
  };

  const answerDeliverSm = async (current: Session, pdu: Pdu) => {
    let status = 0;
    try {
      if (isReceipt(pdu)) {
        const receipt = parseReceipt(pdu);
        if (receipt) await handlers.receipt(receipt);
        else log.warn({ text: textOf(pdu) }, "SMPP delivery receipt not understood: ignored");
      } else {
        await handlers.inbound({
          from: String(pdu.source_addr ?? ""),
          to: String(pdu.destination_addr ?? ""),
          text: textOf(pdu),
        });
      }
    } catch (error) {
      log.error({ err: error }, "SMPP deliver_sm not recorded: the SMSC will deliver it again");
      status = smpp.errors.ESME_RX_T_APPN;
    }
    current.send(pdu.response({ command_status: status }));
  };

  const whenBound = (): Promise<void> => {
    if (isBound) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((wake) => wake !== done);
        reject(new ProviderError("no bound SMPP session (the SMSC is unreachable)", true));
      }, settings.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      waiters.push(done);
    });
  };

  connect();

  return {
    bound: whenBound,
    async send(message: OutboundMessage): Promise<SendResult> {
      await whenBound();
      const current = session;
      if (!current) throw new ProviderError("the SMPP connection dropped", true);
      const long = smsOctets(message.body) > 140;
      return new Promise<SendResult>((resolve, reject) => {
        const fail = (error: ProviderError) => {
          clearTimeout(timer);
          pending.delete(fail);
          reject(error);
        };
        const timer = setTimeout(
          () =>
            fail(
              new ProviderError(
                `the SMSC did not answer within ${settings.timeoutMs / 1000} s`,
                true,
              ),
            ),
          settings.timeoutMs,
        );
        pending.add(fail);
        const written = current.submit_sm(
          {
            ...(settings.sourceAddr ? numberFields(settings.sourceAddr, "source") : {}),
            ...numberFields(message.to, "dest"),
            registered_delivery: 1,
            // A text longer than one SMS goes whole in message_payload; the SMSC splits it.
            ...(long ? { message_payload: message.body } : { short_message: message.body }),
          },
          (pdu) => {
            clearTimeout(timer);
            pending.delete(fail);
            if (pdu.command_status !== 0) {
              reject(
                new ProviderError(
                  `the SMSC refused the message: ${statusName(pdu.command_status)}`,
                  RETRYABLE.has(pdu.command_status),
                ),
              );
              return;
            }
            const id = typeof pdu.message_id === "string" ? pdu.message_id : "";
            if (!id) reject(new ProviderError("the SMSC's answer names no message_id", false));
            else resolve({ providerMessageId: id });
          },
        );
        if (!written) fail(new ProviderError("the SMPP connection is not writable", true));
      });
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      const current = session;
      if (!current || current.socket.destroyed) return;
      // An unbind the SMSC does not answer in time ends with the socket destroyed.
      await new Promise<void>((resolve) => {
        current.socket.once("close", () => resolve());
        const timer = setTimeout(() => current.destroy(), 2_000);
        timer.unref();
        if (isBound) current.unbind({}, () => current.close());
        else current.destroy();
      });
    },
  };
}
