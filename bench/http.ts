import autocannon from "autocannon";

export interface HttpFigures {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Fires one GraphQL request over and over for `seconds` and reports throughput and latency. */
export async function benchGraphQL(options: {
  name: string;
  url: string;
  key: string;
  query: string;
  variables?: Record<string, unknown>;
  seconds: number;
  connections: number;
}): Promise<HttpFigures> {
  const result = await autocannon({
    url: `${options.url}/graphql`,
    method: "POST",
    connections: options.connections,
    duration: options.seconds,
    headers: { "content-type": "application/json", authorization: `Bearer ${options.key}` },
    body: JSON.stringify({ query: options.query, variables: options.variables ?? {} }),
  });
  return {
    name: options.name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}
