// A GraphQL subscription over Server-Sent Events as a browser's fetch would read it: POST
// /graphql with `Accept: text/event-stream`, then `next` events (one JSON result each) until
// `complete`. Used by the subscription tests and by `npm run bench -- sse`.

export interface SseResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface SseSubscription<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  /** The body of an answer that is not an event stream (a refusal before subscribing). */
  refusal: SseResult<T> | null;
  /** Every `next` event so far, in order. */
  received: SseResult<T>[];
  /** The next `next` event after those already taken; rejects on `complete` or after timeoutMs. */
  next: (timeoutMs?: number) => Promise<SseResult<T>>;
  /** Resolves when the server completes the stream (or the connection ends). */
  completed: Promise<void>;
  /** Whether the server sent `complete` (rather than the connection ending without it). */
  completedByServer: () => boolean;
  /** Called with each `next` event as it arrives (the bench timestamps them). */
  onEvent?: (result: SseResult<T>) => void;
  close: () => void;
}

export async function subscribeSse<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string | null,
): Promise<SseSubscription<T>> {
  const abort = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      accept: "text/event-stream",
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const contentType = response.headers.get("content-type") ?? "";
  const received: SseResult<T>[] = [];
  let taken = 0;
  let ended = false;
  let serverCompleted = false;
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const waker of wakers) waker();
  };
  let markCompleted: () => void = () => {};
  const completed = new Promise<void>((resolve) => (markCompleted = resolve));

  let reader: ReadableStreamDefaultReader<string> | undefined;
  const subscription: SseSubscription<T> = {
    status: response.status,
    contentType,
    refusal: null,
    received,
    completed,
    completedByServer: () => serverCompleted,
    next: (timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (taken < received.length) {
            finish();
            resolve(received[taken++]);
          } else if (ended) {
            finish();
            reject(new Error(`the stream completed after ${received.length} events`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no event within ${timeoutMs} ms (${received.length} so far)`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          wakers.delete(check);
        };
        wakers.add(check);
        check();
      }),
    close: () => {
      abort.abort();
      reader?.cancel().catch(() => {});
    },
  };

  if (!contentType.startsWith("text/event-stream") || !response.body) {
    subscription.refusal = (await response.json().catch(() => null)) as SseResult<T> | null;
    ended = true;
    markCompleted();
    return subscription;
  }

  reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    try {
      while (!serverCompleted) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
          }
          if (event === "next" && data.length > 0) {
            const result = JSON.parse(data.join("\n")) as SseResult<T>;
            received.push(result);
            subscription.onEvent?.(result);
            wake();
          } else if (event === "complete") {
            serverCompleted = true;
            break;
          }
        }
      }
    } catch {
      // Aborted by close() or by `complete`, or the connection dropped: the stream has ended.
    } finally {
      // An aborted fetch does not always error a read already waiting behind the decoder.
      reader.cancel().catch(() => {});
      abort.abort();
      ended = true;
      markCompleted();
      wake();
    }
  })();
  return subscription;
}
