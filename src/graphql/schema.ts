import type { GraphQLSchema } from "graphql";
import { createBuilder, type GraphQLContribution } from "./builder.js";

/**
 * Builds the schema code-first with Pothos from the apps' contributions: the root types and
 * the shared `GenericScalar` are defined here, every field by the app that owns it. The
 * three root types always exist, so the contributions together must add at least one
 * query, one mutation and one subscription field.
 */
export function buildSchema(contributions: readonly GraphQLContribution[]): GraphQLSchema {
  const builder = createBuilder();
  builder.scalarType("GenericScalar", {
    description: "Any JSON value (graphql_jwt's payload).",
    serialize: (value) => value,
    parseValue: (value) => value,
  });
  builder.queryType({});
  builder.mutationType({});
  builder.subscriptionType({});
  for (const contribute of contributions) contribute(builder);
  return builder.toSchema();
}
