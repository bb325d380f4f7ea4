import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLLeafType,
  GraphQLNonNull,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  GraphQLString,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { ListRow, SubscriberRow, TagRow } from "../db/types.js";
import { grants, type Scope } from "../domain/accounts/scopes.js";
import type { CustomField } from "../domain/fields/read.js";
import type { Membership } from "../domain/lists/subscriptions.js";
import {
  subscriptionColumnsOfSubscribers,
  tagColumnsOfSubscribers,
} from "../domain/subscribers/columns.js";
import {
  preparedSubscriberById,
  preparedSubscriberPages,
} from "../domain/subscribers/prepared-page.js";
import { decodeGlobalId, globalIdOf } from "../global-ids.js";
import type { GraphQLContext } from "./context.js";
import { CUSTOM_VALUE_TYPE_NAMES, type CustomValueItem, valuesOf } from "./custom-values.js";
import { accountFields } from "./fields.js";
import type { KeysetConnection } from "./pagination.js";
import { subscribersConnection } from "./subscribers.js";

// Compiled plans: a document made only of fields this file knows (the subscribers connection,
// node(id:) of a subscriber, and what hangs from a subscriber: tags, subscriptions with their
// lists, typed custom values) is compiled once into a plan that fetches with the same set-based
// loaders as the resolvers (the same statements) and builds the response in the query's field
// order without graphql-js's field-by-field execution. Anything else, a key without a scope the
// plan needs, and any request whose plan meets something unexpected at run time (a bad cursor,
// a page too large, a null where none may be) is executed normally, which gives the exact
// errors: a plan never answers an error. test/graphql/compiled.test.ts proves the two agree
// byte for byte.

/** What a plan fetches once per request, before it builds the response. */
interface Fetched {
  totalCount?: number;
  tags?: Map<string, Partial<TagRow>[]>;
  subscriptions?: Map<string, Partial<Membership>[]>;
  fields?: readonly CustomField[];
}

/** How a field of a known type reads its value from its parent (and what the request fetched). */
type Getter = (source: never, fetched: Fetched) => unknown;

interface TypeModel {
  /** The scope the type itself asks (Pothos type-level authScopes). */
  scope?: Scope;
  fields: Record<string, FieldModel>;
}

interface FieldModel {
  get: Getter;
  /** The column of the type's row the field reads (loaders read only the selected ones). */
  column?: string;
  scope?: Scope;
  needs?: keyof Fetched;
}

const prop =
  (name: string): Getter =>
  (source) =>
    (source as Record<string, unknown>)[name];
/** A field that exposes a column. */
const column = (name: string): FieldModel => ({ get: prop(name), column: name });
/** The global id of a row of the type. */
const globalId = (typename: string): FieldModel => ({
  get: (source) => globalIdOf(typename, (source as { public_id: string }).public_id),
  column: "public_id",
});
/**
 * The global id of a tag, list or field: a page shows the same few on every subscriber, so
 * their ids are encoded once (up to a few thousand per type, then forgotten).
 */
const sharedGlobalId = (typename: string): FieldModel => {
  const known = new Map<string, string>();
  return {
    get: (source) => {
      const publicId = (source as { public_id: string }).public_id;
      let id = known.get(publicId);
      if (id === undefined) {
        if (known.size >= 4096) known.clear();
        id = globalIdOf(typename, publicId);
        known.set(publicId, id);
      }
      return id;
    },
    column: "public_id",
  };
};

/** The types a plan may visit, each field as the schema's own resolver reads it. */
const MODELS: Record<string, TypeModel> = {
  QuerySubscribersConnection: {
    scope: "subscribers:read",
    fields: {
      edges: column("edges"),
      pageInfo: column("pageInfo"),
      totalCount: {
        scope: "subscribers:read",
        needs: "totalCount",
        get: (_connection, fetched) => fetched.totalCount,
      },
    },
  },
  QuerySubscribersConnectionEdge: {
    scope: "subscribers:read",
    fields: { cursor: column("cursor"), node: column("node") },
  },
  PageInfo: {
    fields: {
      hasNextPage: column("hasNextPage"),
      hasPreviousPage: column("hasPreviousPage"),
      startCursor: column("startCursor"),
      endCursor: column("endCursor"),
    },
  },
  Subscriber: {
    scope: "subscribers:read",
    fields: {
      id: globalId("Subscriber"),
      email: column("email"),
      firstName: column("first_name"),
      lastName: column("last_name"),
      phone: column("phone"),
      timezone: column("timezone"),
      jobTitle: column("job_title"),
      company: column("company"),
      country: column("country"),
      address: column("address"),
      website: column("website"),
      postalCode: column("postal_code"),
      birthday: column("birthday"),
      status: column("status"),
      sandbox: column("sandbox"),
      createdAt: column("created_at"),
      updatedAt: column("updated_at"),
      tags: {
        scope: "tags:read",
        needs: "tags",
        column: "id",
        get: (subscriber: SubscriberRow, fetched) => fetched.tags?.get(subscriber.id),
      },
      subscriptions: {
        scope: "subscribers:read",
        needs: "subscriptions",
        column: "id",
        get: (subscriber: SubscriberRow, fetched) => fetched.subscriptions?.get(subscriber.id),
      },
      customValues: {
        needs: "fields",
        column: "custom_values",
        get: (subscriber: SubscriberRow, fetched) =>
          fetched.fields && valuesOf(subscriber, fetched.fields),
      },
    },
  },
  Tag: {
    scope: "tags:read",
    fields: {
      id: sharedGlobalId("Tag"),
      name: column("name"),
      status: column("status"),
      createdAt: column("created_at"),
      updatedAt: column("updated_at"),
    },
  },
  ListSubscription: {
    scope: "subscribers:read",
    fields: {
      list: column("list"),
      status: column("status"),
      statusChangedAt: column("status_changed_at"),
      source: column("source"),
      createdAt: column("created_at"),
    },
  },
  List: {
    scope: "lists:read",
    fields: {
      id: sharedGlobalId("List"),
      name: column("name"),
      description: column("description"),
      createdAt: column("created_at"),
      updatedAt: column("updated_at"),
    },
  },
  CustomField: {
    scope: "fields:read",
    fields: {
      id: sharedGlobalId("CustomField"),
      name: column("name"),
      type: column("type"),
      options: column("options"),
      required: column("required"),
      default: { get: (field: CustomField) => field.default_value ?? null },
      visible: column("visible"),
      description: column("description"),
      mergeTag: column("merge_tag"),
      columnName: column("column_name"),
      listId: {
        get: (field: CustomField) =>
          field.list_public_id === null ? null : globalIdOf("List", field.list_public_id),
      },
      createdAt: column("created_at"),
      updatedAt: column("updated_at"),
    },
  },
};

/** The custom value types, each `value` read as its resolver in custom-values.ts reads it. */
const VALUE_READERS: Record<string, (value: unknown) => unknown> = {
  [CUSTOM_VALUE_TYPE_NAMES.string]: (value) => String(value),
  [CUSTOM_VALUE_TYPE_NAMES.number]: (value) => Number(value),
  [CUSTOM_VALUE_TYPE_NAMES.boolean]: (value) => value === true,
  [CUSTOM_VALUE_TYPE_NAMES.date]: (value) => String(value),
  [CUSTOM_VALUE_TYPE_NAMES.dropdown]: (value) => String(value),
};
for (const [typename, read] of Object.entries(VALUE_READERS)) {
  MODELS[typename] = {
    scope: "subscribers:read",
    fields: {
      field: column("field"),
      value: { get: (item: CustomValueItem) => read(item.value) },
    },
  };
}

/** Thrown when a plan meets what it does not answer itself: the request is executed normally. */
class Unplannable extends Error {}
const unplannable = (why: string): never => {
  throw new Unplannable(why);
};

/** How one response key is completed. */
interface FieldPlan {
  key: string;
  /** null: `__typename`. */
  get: Getter | null;
  type: GraphQLOutputType;
  /** Leaves: the scalar or enum whose serialize makes the value. */
  leaf?: GraphQLLeafType;
  /** Composite fields: the plan of each concrete type (one unless the type is abstract). */
  objects?: Map<string, FieldPlan[]>;
  /** `"key":` as JSON text, made at the first response written (runPlanToJson). */
  prefix?: string;
  /** The value's JSON text, made at the first response written (runPlanToJson). */
  write?: Writer;
}

/** Writes a field's value (already read from its parent) as JSON text. */
type Writer = (value: unknown, fetched: Fetched) => string;

export interface Plan {
  operation: OperationDefinitionNode;
  rootKind: "subscribers" | "node";
  rootField: GraphQLField<unknown, unknown>;
  rootNode: FieldNode;
  /** The root's response keys in order: `__typename`s and the one root field. */
  root: FieldPlan[];
  scopes: ReadonlySet<Scope>;
  needs: ReadonlySet<keyof Fetched>;
  /** The columns the loaders read: only those the selection shows (and `id`). */
  columns: {
    subscriber: (keyof SubscriberRow)[];
    tag: (keyof TagRow)[];
    subscription: Exclude<keyof Membership, "list" | "subscriber_id">[];
    list: (keyof ListRow)[];
    /** The tag columns of pageSubscribersWithTags: no bigint (JSON would make it a number). */
    nestedTag: (keyof TagRow)[];
  };
  /** Reads the subscribers connection's pages (statements written once, with the plan). */
  pages: ReturnType<typeof preparedSubscriberPages>;
  /** Reads node(id:)'s subscriber (its statement written once, with the plan). */
  subscriber: ReturnType<typeof preparedSubscriberById>;
}

/** The concrete type of a value of an abstract type a plan meets. */
function concreteTypeOf(abstractName: string, value: unknown): string | undefined {
  if (abstractName === "CustomValue") {
    return CUSTOM_VALUE_TYPE_NAMES[(value as CustomValueItem).field.type];
  }
  // node(id:): the plan answers it only for a Subscriber id (checked before it runs).
  if (abstractName === "Node") return "Subscriber";
  return undefined;
}

class Compiler {
  readonly scopes = new Set<Scope>();
  readonly needs = new Set<keyof Fetched>();
  /** The columns read of each type's rows. */
  readonly columns = new Map<string, Set<string>>();
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Record<string, FragmentDefinitionNode>,
  ) {}

  /** graphql-js's collectFields, without directives (a directive makes a document unplannable). */
  collect(
    type: GraphQLObjectType,
    selectionSets: readonly SelectionSetNode[],
    into = new Map<string, FieldNode[]>(),
    visited = new Set<string>(),
  ): Map<string, FieldNode[]> {
    for (const selectionSet of selectionSets) {
      for (const selection of selectionSet.selections) {
        if (selection.directives?.length) unplannable("directive");
        if (selection.kind === Kind.FIELD) {
          const key = selection.alias?.value ?? selection.name.value;
          // A key such as __proto__ would not be an own property of a plain object.
          if (key.startsWith("__") && key !== "__typename") unplannable("reserved key");
          const nodes = into.get(key);
          if (nodes) nodes.push(selection);
          else into.set(key, [selection]);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          if (this.matches(selection.typeCondition?.name.value, type))
            this.collect(type, [selection.selectionSet], into, visited);
        } else {
          const name = selection.name.value;
          if (visited.has(name)) continue;
          visited.add(name);
          const fragment = this.fragments[name] ?? unplannable("fragment");
          if (fragment.directives?.length) unplannable("directive");
          if (this.matches(fragment.typeCondition.name.value, type))
            this.collect(type, [fragment.selectionSet], into, visited);
        }
      }
    }
    return into;
  }

  private matches(condition: string | undefined, type: GraphQLObjectType): boolean {
    if (condition === undefined || condition === type.name) return true;
    const conditionType = this.schema.getType(condition);
    return (
      !!conditionType && isAbstractType(conditionType) && this.schema.isSubType(conditionType, type)
    );
  }

  /** The plans of the fields selected on an object of a known type. */
  object(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): FieldPlan[] {
    const model = MODELS[type.name] ?? unplannable(`type ${type.name}`);
    if (model.scope) this.scopes.add(model.scope);
    const plans: FieldPlan[] = [];
    for (const [key, nodes] of this.collect(type, selectionSets)) {
      const name = nodes[0].name.value;
      if (name === "__typename") {
        plans.push({ key, get: null, type: TYPENAME });
        continue;
      }
      const field = type.getFields()[name] ?? unplannable(`field ${name}`);
      const fieldModel = model.fields[name] ?? unplannable(`field ${type.name}.${name}`);
      if (field.args.length > 0 || nodes.some((node) => node.arguments?.length))
        unplannable("arguments");
      if (fieldModel.scope) this.scopes.add(fieldModel.scope);
      if (fieldModel.needs) this.needs.add(fieldModel.needs);
      if (fieldModel.column) {
        const columns = this.columns.get(type.name) ?? new Set(["id"]);
        columns.add(fieldModel.column);
        this.columns.set(type.name, columns);
      }
      plans.push(this.field(key, field.type, fieldModel.get, nodes));
    }
    return plans;
  }

  field(key: string, type: GraphQLOutputType, get: Getter, nodes: readonly FieldNode[]): FieldPlan {
    const named = getNamedType(type);
    if (isLeafType(named)) {
      if (nodes.some((node) => node.selectionSet)) unplannable("selection on a leaf");
      return { key, get, type, leaf: named };
    }
    const selectionSets = nodes.map(
      (node) => node.selectionSet ?? unplannable("a composite field without a selection"),
    );
    const concrete = isObjectType(named)
      ? [named]
      : named.name === "Node"
        ? [this.schema.getType("Subscriber") as GraphQLObjectType]
        : this.schema.getPossibleTypes(named);
    const objects = new Map<string, FieldPlan[]>();
    for (const object of concrete) objects.set(object.name, this.object(object, selectionSets));
    return { key, get, type, objects };
  }
}

const TYPENAME = new GraphQLNonNull(GraphQLString);

/** The operation args.operationName names, as graphql-js picks it; undefined when there is none. */
function operationOf(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName == null) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((operation) => operation.name?.value === operationName);
}

const atLeastOne = <T extends string>(columns: T[]): T[] =>
  columns.length > 0 ? columns : ["public_id" as T];

/** The plan of an operation, or null when it asks for anything a plan does not answer. */
export function compile(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): Plan | null {
  const operation = operationOf(document, operationName);
  if (operation?.operation !== "query" || operation.directives?.length) return null;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  try {
    const compiler = new Compiler(schema, fragments);
    const queryType = schema.getQueryType() ?? unplannable("no query type");
    const root: FieldPlan[] = [];
    let found: Pick<Plan, "rootKind" | "rootField" | "rootNode"> | undefined;
    for (const [key, nodes] of compiler.collect(queryType, [operation.selectionSet])) {
      const name = nodes[0].name.value;
      if (name === "__typename") {
        root.push({ key, get: null, type: TYPENAME });
        continue;
      }
      // One root field, asked once: two would be two resolutions with arguments of their own.
      if (found || nodes.length > 1 || (name !== "subscribers" && name !== "node")) return null;
      const rootField = queryType.getFields()[name];
      found = { rootKind: name, rootField, rootNode: nodes[0] };
      if (name === "subscribers") compiler.scopes.add("subscribers:read");
      root.push(compiler.field(key, rootField.type, (value) => value, nodes));
    }
    if (!found) return null;
    const columnsOf = <T extends string>(typename: string, without: string[] = []) =>
      [...(compiler.columns.get(typename) ?? ["id"])].filter(
        (name) => !without.includes(name),
      ) as T[];
    const columns: Plan["columns"] = {
      subscriber: columnsOf("Subscriber"),
      tag: columnsOf("Tag"),
      subscription: columnsOf("ListSubscription", ["list"]),
      list: columnsOf("List"),
      nestedTag: atLeastOne(columnsOf("Tag", ["id"])),
    };
    return {
      operation,
      ...found,
      root,
      scopes: compiler.scopes,
      needs: compiler.needs,
      columns,
      pages: preparedSubscriberPages(
        columns.subscriber,
        compiler.needs.has("tags") ? columns.nestedTag : null,
      ),
      subscriber: preparedSubscriberById(columns.subscriber),
    };
  } catch (error) {
    if (error instanceof Unplannable) return null;
    throw error;
  }
}

/** Completes a value as graphql-js's completeValue would, or throws Unplannable where it would err. */
function complete(
  plan: FieldPlan,
  type: GraphQLOutputType,
  value: unknown,
  fetched: Fetched,
): unknown {
  if (isNonNullType(type)) {
    const completed = complete(plan, type.ofType, value, fetched);
    return completed === null ? unplannable("null in a non-null field") : completed;
  }
  if (value == null) return null;
  if (isListType(type)) {
    if (!Array.isArray(value)) return unplannable("not a list");
    const items = new Array(value.length);
    for (let index = 0; index < value.length; index++)
      items[index] = complete(plan, type.ofType, value[index], fetched);
    return items;
  }
  if (plan.leaf) {
    const serialized = plan.leaf.serialize(value);
    return serialized == null ? unplannable("a leaf serialized to nothing") : serialized;
  }
  const named = getNamedType(type);
  const typename = isAbstractType(named) ? concreteTypeOf(named.name, value) : named.name;
  const fields = (typename && plan.objects?.get(typename)) || unplannable("type");
  return build(fields, typename as string, value, fetched);
}

function build(fields: FieldPlan[], typename: string, source: unknown, fetched: Fetched) {
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    result[field.key] =
      field.get === null
        ? typename
        : complete(field, field.type, field.get(source as never, fetched), fetched);
  }
  return result;
}

/** The tags pageSubscribersWithTags put on each subscriber's row, as rows. */
function tagsOfRows(
  columns: readonly string[],
  edges: readonly { node: SubscriberRow }[],
): Map<string, Partial<TagRow>[]> {
  const tags = new Map<string, Partial<TagRow>[]>();
  for (const { node } of edges) {
    const values = (node as SubscriberRow & { tag_values: unknown[][] }).tag_values;
    tags.set(
      node.id,
      values.map((tag) => {
        const row: Record<string, unknown> = {};
        for (let index = 0; index < columns.length; index++) row[columns[index]] = tag[index];
        return row;
      }),
    );
  }
  return tags;
}

/**
 * `complete` writing JSON text: what JSON.stringify makes of complete's value, without it. The
 * writer of each response key is made once per plan from its type (non-null, list, leaf, object),
 * so a response of ~2,000 values asks graphql-js nothing about types while it is written
 * (isNonNullType and the like cost a tenth of the writer in a profile, bench/README.md).
 */
function writerOf(plan: FieldPlan, type: GraphQLOutputType): Writer {
  if (isNonNullType(type)) {
    const inner = nullableWriterOf(plan, type.ofType);
    return (value, fetched) =>
      value == null ? unplannable("null in a non-null field") : inner(value, fetched);
  }
  const inner = nullableWriterOf(plan, type);
  return (value, fetched) => (value == null ? "null" : inner(value, fetched));
}

/** The writer of a value that is not null. */
function nullableWriterOf(plan: FieldPlan, type: GraphQLOutputType): Writer {
  if (isListType(type)) {
    const item = writerOf(plan, type.ofType);
    return (value, fetched) => {
      if (!Array.isArray(value)) return unplannable("not a list");
      let text = "[";
      for (let index = 0; index < value.length; index++) {
        if (index > 0) text += ",";
        text += item(value[index], fetched);
      }
      return `${text}]`;
    };
  }
  const leaf = plan.leaf;
  if (leaf) {
    return (value) => {
      const serialized = leaf.serialize(value);
      return serialized == null
        ? unplannable("a leaf serialized to nothing")
        : JSON.stringify(serialized);
    };
  }
  const named = getNamedType(type);
  if (isAbstractType(named)) {
    return (value, fetched) => {
      const typename = concreteTypeOf(named.name, value);
      const fields = (typename && plan.objects?.get(typename)) || unplannable("type");
      return writeObject(fields, typename as string, value, fetched);
    };
  }
  const fields = plan.objects?.get(named.name) ?? unplannable("type");
  return (value, fetched) => writeObject(fields, named.name, value, fetched);
}

function writeObject(fields: FieldPlan[], typename: string, source: unknown, fetched: Fetched) {
  let text = "{";
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index];
    if (index > 0) text += ",";
    field.prefix ??= `${JSON.stringify(field.key)}:`;
    if (field.get === null) {
      text += `${field.prefix}${JSON.stringify(typename)}`;
      continue;
    }
    field.write ??= writerOf(field, field.type);
    text += `${field.prefix}${field.write(field.get(source as never, fetched), fetched)}`;
  }
  return `${text}}`;
}

/** Runs a plan; throws Unplannable (or whatever a loader throws) where execution would answer errors. */
export async function runPlan(plan: Plan, args: ExecutionArgs): Promise<ExecutionResult> {
  const { rootValue, fetched } = await fetchPlan(plan, args);
  return { data: build(plan.root, "Query", rootValue, fetched) };
}

/** runPlan's result as JSON text, written straight from the rows: what JSON.stringify makes of it. */
export async function runPlanToJson(plan: Plan, args: ExecutionArgs): Promise<string> {
  const { rootValue, fetched } = await fetchPlan(plan, args);
  return `{"data":${writeObject(plan.root, "Query", rootValue, fetched)}}`;
}

/** What a plan reads for a request: the root field's value and what the fields below need. */
async function fetchPlan(
  plan: Plan,
  args: ExecutionArgs,
): Promise<{ rootValue: unknown; fetched: Fetched }> {
  const context = args.contextValue as GraphQLContext;
  if (!context.domain?.key) return unplannable("no key");
  const domain = context.domain;
  const key = context.domain.key;
  for (const scope of plan.scopes) if (!grants(key.scopes, scope)) unplannable("scope");
  const variables = getVariableValues(
    args.schema,
    plan.operation.variableDefinitions ?? [],
    args.variableValues ?? {},
  );
  if (variables.errors) unplannable("variables");
  const argumentValues = getArgumentValues(
    plan.rootField,
    plan.rootNode,
    variables.coerced as Record<string, unknown>,
  );
  const fetched: Fetched = {};
  // A page's custom fields do not depend on its rows: they are read beside the page's statement
  // (an empty page reads them for nothing, one short statement). A node waits for its row.
  const early = plan.rootKind === "subscribers" && plan.needs.has("fields");
  const fields = early ? accountFields(context) : undefined;
  // Handled here so a page that fails first leaves no unhandled rejection; awaited below.
  fields?.catch(() => {});
  let rootValue: unknown;
  let subscribers: SubscriberRow[];
  if (plan.rootKind === "subscribers") {
    const { columns, needs } = plan;
    const withTags = needs.has("tags");
    const connection: KeysetConnection<SubscriberRow> = await subscribersConnection(
      domain,
      argumentValues,
      plan.pages,
    );
    if (withTags) fetched.tags = tagsOfRows(columns.nestedTag, connection.edges);
    rootValue = connection;
    subscribers = connection.edges.map((edge) => edge.node);
    if (plan.needs.has("totalCount")) fetched.totalCount = await connection.totalCount();
  } else {
    const decoded = decodeGlobalId(String(argumentValues.id));
    if (decoded?.typename !== "Subscriber") unplannable("not a subscriber id");
    const row = await plan.subscriber(domain, (decoded as { id: string }).id);
    rootValue = row;
    subscribers = row ? [row] : [];
  }
  if (subscribers.length > 0) {
    const ids = subscribers.map((subscriber) => subscriber.id);
    await Promise.all([
      plan.needs.has("tags") &&
        !fetched.tags &&
        tagColumnsOfSubscribers(domain, ids, plan.columns.tag).then((tags) => {
          fetched.tags = new Map(ids.map((id, index) => [id, tags[index]]));
        }),
      plan.needs.has("subscriptions") &&
        !fetched.subscriptions &&
        subscriptionColumnsOfSubscribers(
          domain,
          ids,
          plan.columns.subscription,
          plan.columns.list,
        ).then((subscriptions) => {
          fetched.subscriptions = new Map(ids.map((id, index) => [id, subscriptions[index]]));
        }),
      plan.needs.has("fields") &&
        (fields ?? accountFields(context)).then((fields) => {
          fetched.fields = fields;
        }),
    ]);
  }
  return { rootValue, fetched };
}

/**
 * An `execute` that answers with a compiled plan when the document has one, else with `fallback`
 * (graphql-js's own: ordered-execution.ts). Plans are compiled once per document and operation:
 * yoga hands over the same DocumentNode for the same query text (its parse cache), after
 * validation and graphql-armor's limits accepted it.
 */
export function executeWithPlans(
  fallback: (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult>,
  /** Told of each request a plan answered (planned-documents.ts remembers its document). */
  onPlanned?: (args: ExecutionArgs, plan: Plan) => void,
): (args: ExecutionArgs) => Promise<ExecutionResult> {
  const plans = new WeakMap<DocumentNode, Map<string, Plan | null>>();
  const planOf = (args: ExecutionArgs): Plan | null => {
    let byOperation = plans.get(args.document);
    if (!byOperation) {
      byOperation = new Map();
      plans.set(args.document, byOperation);
    }
    const name = args.operationName ?? "";
    let plan = byOperation.get(name);
    if (plan === undefined) {
      plan = compile(args.schema, args.document, args.operationName);
      byOperation.set(name, plan);
    }
    return plan;
  };
  return async (args) => {
    const plan = planOf(args);
    if (plan) {
      try {
        const result = await runPlan(plan, args);
        compiledStats.planned++;
        onPlanned?.(args, plan);
        return result;
      } catch {
        // Reads only: executing again normally gives the exact data or errors.
        compiledStats.fellBack++;
      }
    } else compiledStats.unplanned++;
    return fallback(args);
  };
}

/** Counts for tests and benchmarks: requests answered by a plan, fallen back, without a plan. */
export const compiledStats = { planned: 0, fellBack: 0, unplanned: 0 };
