import { expect } from "vitest";
import type { TestGateway } from "../helpers/server.js";

// Shared by the subscriber, tag and custom field tests: calling a mutation with its typed errors
// selected, and a snapshot of an account's audience rows to prove a failed call changed nothing.

export interface Issue {
  path: string[];
  message: string;
}

export type Result<T = Record<string, unknown>> = T & {
  __typename: string;
  message?: string;
  issues?: Issue[];
  resource?: string;
};

export const ERRORS = `
  ... on ValidationError { message issues { path message } }
  ... on NotFoundError { message resource }
  ... on ConflictError { message }`;

export const SUBSCRIBER = `id email firstName lastName phone timezone jobTitle company country
  address website postalCode birthday status createdAt updatedAt
  tags { id name }
  customValues {
    __typename field { id name }
    ... on StringCustomValue { text: value }
    ... on NumberCustomValue { number: value }
    ... on BooleanCustomValue { flag: value }
    ... on DateCustomValue { date: value }
    ... on DropdownCustomValue { choice: value }
  }`;

export interface SubscriberShape {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  birthday: string | null;
  status: string;
  company: string | null;
  createdAt: string;
  updatedAt: string;
  tags: { id: string; name: string }[];
  customValues: ({ __typename: string; field: { id: string; name: string } } & Record<
    string,
    unknown
  >)[];
  [key: string]: unknown;
}

/**
 * Runs `name(input: $input) { __typename ...payload ...errors }` and answers the result, after
 * checking that GraphQL itself reported no error.
 */
export async function mutate<T = Record<string, unknown>>(
  gateway: TestGateway,
  key: string,
  name: string,
  input: Record<string, unknown>,
  payload: string,
): Promise<Result<T>> {
  const inputType = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  const payloadType = `${name[0].toUpperCase()}${name.slice(1)}Payload`;
  const response = await gateway.graphql<Record<string, Result<T>>>(
    `mutation($input: ${inputType}!) { ${name}(input: $input) {
      __typename ... on ${payloadType} { ${payload} } ${ERRORS} } }`,
    { input },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.[name] as Result<T>;
}

/** Like mutate, but the call must succeed. */
export async function ok<T = Record<string, unknown>>(
  gateway: TestGateway,
  key: string,
  name: string,
  input: Record<string, unknown>,
  payload: string,
): Promise<T> {
  const result = await mutate<T>(gateway, key, name, input, payload);
  expect(result.__typename, JSON.stringify(result)).toBe(
    `${name[0].toUpperCase()}${name.slice(1)}Payload`,
  );
  return result;
}

export async function createSubscriber(
  gateway: TestGateway,
  key: string,
  input: Record<string, unknown>,
): Promise<SubscriberShape> {
  const payload = await ok<{ subscriber: SubscriberShape }>(
    gateway,
    key,
    "createSubscriber",
    input,
    `subscriber { ${SUBSCRIBER} }`,
  );
  return payload.subscriber;
}

export async function createTag(gateway: TestGateway, key: string, name: string) {
  const payload = await ok<{ tag: { id: string; name: string } }>(
    gateway,
    key,
    "createTag",
    { name },
    "tag { id name }",
  );
  return payload.tag;
}

export async function createField(
  gateway: TestGateway,
  key: string,
  input: Record<string, unknown>,
): Promise<{ id: string; name: string }> {
  const payload = await ok<{ customField: { id: string; name: string } }>(
    gateway,
    key,
    "createCustomField",
    input,
    "customField { id name }",
  );
  return payload.customField;
}

/** Every audience row of the account, to compare before and after a refused mutation. */
export async function snapshot(gateway: TestGateway, accountId: string) {
  const db = gateway.database.db;
  const [subscribers, tags, taggings, fields] = await Promise.all([
    db
      .selectFrom("subscribers")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("id")
      .execute(),
    db.selectFrom("tags").selectAll().where("account_id", "=", accountId).orderBy("id").execute(),
    db
      .selectFrom("subscriber_tags")
      .select(["subscriber_id", "tag_id"])
      .where("account_id", "=", accountId)
      .orderBy("subscriber_id")
      .orderBy("tag_id")
      .execute(),
    db
      .selectFrom("custom_fields")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("id")
      .execute(),
  ]);
  return { subscribers, tags, taggings, fields };
}

/** Every field of a subscriber a compiled plan knows, as fragment S (compiled and edge tests). */
export const SUBSCRIBER_FIELDS = `fragment S on Subscriber {
  id __typename email firstName lastName phone timezone jobTitle company country address
  website postalCode birthday status sandbox createdAt updatedAt
  tags { id name status createdAt updatedAt __typename }
  subscriptions {
    status statusChangedAt source createdAt __typename
    list { id name description createdAt updatedAt __typename }
  }
  customValues {
    __typename
    field {
      id name type options required default visible description mergeTag columnName listId
      createdAt updatedAt __typename
    }
    ... on StringCustomValue { text: value }
    ... on NumberCustomValue { number: value }
    ... on BooleanCustomValue { flag: value }
    ... on DateCustomValue { date: value }
    ... on DropdownCustomValue { option: value }
  }
}`;
