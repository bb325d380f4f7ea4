import type {
  FieldKind,
  InputFieldMap,
  InputShapeFromFields,
  ObjectFieldsShape,
  ObjectRef,
} from "@pothos/core";
import type { DefaultConnectionArguments } from "@pothos/plugin-relay";
import type { Scope } from "../domain/accounts/scopes.js";
import type { builder } from "./builder.js";
import type { GraphQLContext } from "./context.js";
import type { KeysetConnection } from "./pagination.js";

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** An edge of a scoped connection, as its extra fields see it. */
export interface EdgeOf<Node> {
  cursor: string;
  node: Node;
}

export interface ScopedConnectionOptions<Parent, Node, Args extends InputFieldMap> {
  /**
   * The one scope a key needs: asked of the field, of its connection type, of its edge type and
   * of `totalCount`, so a connection type reused elsewhere stays as closed as the field.
   */
  scope: Scope;
  type: ObjectRef<Types, Node>;
  description: string;
  args?: Args;
  /** Usually `keysetConnection(...)`, whose `totalCount` is counted only when selected. */
  resolve: (
    parent: Parent,
    args: DefaultConnectionArguments & InputShapeFromFields<Args>,
    context: GraphQLContext,
  ) => Promise<KeysetConnection<Node>>;
  totalCountDescription?: string;
  /** The connection type's name; absent: Pothos's `<Parent><Field>Connection`. */
  connectionName?: string;
  /** The edge type's name and extra fields; absent: `<Connection>Edge` with cursor and node. */
  edge?: { name?: string; fields?: ObjectFieldsShape<Types, EdgeOf<Node>> };
}

/** The parent a field builder resolves on: the root for Query fields, else the object's shape. */
type ParentOf<T> = T extends { kind: "Query" }
  ? Types["Root"]
  : T extends PothosSchemaTypes.ObjectFieldBuilder<Types, infer Parent>
    ? Parent
    : never;

/** `t.connection` as this helper calls it: the options above type the call sites. */
type ConnectionOf<Node> = (
  field: object,
  connection: {
    name?: string;
    authScopes: { scope: Scope };
    fields: (
      c: PothosSchemaTypes.ObjectFieldBuilder<Types, KeysetConnection<Node>>,
    ) => Record<string, PothosSchemaTypes.FieldRef<Types, unknown, "Object">>;
  },
  edge: object,
) => unknown;

/**
 * A Relay connection field (with `totalCount`) whose scope is written once. Every connection of
 * the schema is declared through it. `t` is the field builder of a `queryField`, an
 * `objectField` or an object's `fields`; the parent of `resolve` is typed from it.
 */
export function scopedConnection<
  T extends { kind: FieldKind },
  Node,
  Args extends InputFieldMap = Record<never, never>,
>(
  t: T,
  options: ScopedConnectionOptions<ParentOf<T>, Node, Args>,
): PothosSchemaTypes.FieldRef<Types, unknown, T["kind"]> {
  const authScopes = { scope: options.scope };
  const { totalCountDescription, connectionName, edge } = options;
  const connection = (t as unknown as { connection: ConnectionOf<Node> }).connection.bind(t);
  // Pothos spreads these objects over its defaults: an absent name must be absent, not undefined.
  return connection(
    {
      type: options.type,
      description: options.description,
      authScopes,
      ...(options.args === undefined ? {} : { args: options.args }),
      resolve: options.resolve,
    },
    {
      ...(connectionName === undefined ? {} : { name: connectionName }),
      authScopes,
      fields: (c) => ({
        totalCount: c.int({
          authScopes,
          ...(totalCountDescription === undefined ? {} : { description: totalCountDescription }),
          resolve: (connection) => connection.totalCount(),
        }),
      }),
    },
    {
      ...(edge?.name === undefined ? {} : { name: edge.name }),
      authScopes,
      ...(edge?.fields === undefined ? {} : { fields: edge.fields }),
    },
  ) as PothosSchemaTypes.FieldRef<Types, unknown, T["kind"]>;
}
