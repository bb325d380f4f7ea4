import type { Context as DomainContext } from "../domain/context.js";
import type { RealtimeChanges } from "../realtime/listener.js";

/** Per-request GraphQL context: the domain context, null when the request carried no key. */
export interface GraphQLContext {
  domain: DomainContext | null;
  /** Where subscriptions hear of changes (absent: this server serves no subscriptions). */
  realtime?: RealtimeChanges | null;
}

/** The domain context of an authenticated request; every resolver that calls it sits behind a scope. */
export function domainOf(context: GraphQLContext): DomainContext {
  if (!context.domain) throw new Error("an unauthenticated request reached a scoped resolver");
  return context.domain;
}
