import { NoSchemaIntrospectionCustomRule, type ValidationRule } from "graphql";

/**
 * The validation rules that turn introspection off: with `enabled` false, a query selecting
 * `__schema` or `__type` fails validation (graphql-js's `NoSchemaIntrospectionCustomRule`;
 * `__typename` stays allowed, clients need it). Over HTTP that is a 400
 * `GRAPHQL_VALIDATION_FAILED`; over graphql-ws an `error` message for the operation.
 * `GRAPHQL_INTROSPECTION` decides (off by default when `NODE_ENV=production`).
 *
 * @example
 * const rules = introspectionRules(config.graphqlIntrospection);
 * validate(schema, document, [...specifiedRules, ...rules]);
 */
export function introspectionRules(enabled: boolean): ValidationRule[] {
  return enabled ? [] : [NoSchemaIntrospectionCustomRule];
}
