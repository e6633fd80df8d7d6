import {
  GraphQLError,
  Kind,
  Lexer,
  SchemaMetaFieldDef,
  Source,
  TokenKind,
  TypeMetaFieldDef,
  getNamedType,
  isInterfaceType,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  // The file Node resolves `graphql` to (graphql has no `exports`): under vitest a bare
  // "graphql" in our sources resolves to its `.mjs` build instead, a second graphql whose
  // `validate` refuses the schema Pothos built and whose errors graphql-ws does not
  // recognise (`instanceof GraphQLError`).
} from "graphql/index.js";
import { createComplexityRule, fieldExtensionsEstimator, simpleEstimator } from "graphql-query-complexity";

/** Longest accepted query, in characters (UTF-16 code units, as `String.length` counts). */
export const MAX_QUERY_CHARS = 20_000;
/** Deepest accepted selection: fields on the longest path (`{ a { b } }` is 2); fragments add none. */
export const MAX_DEPTH = 8;
/**
 * Most `__Type.ofType` fields on one path. They unwrap list and non-null types, so they do
 * not count toward {@link MAX_DEPTH} (graphql-js's `getIntrospectionQuery()` nests 9 of them,
 * which a plain depth of 8 would refuse); this bounds them instead.
 */
export const MAX_OFTYPE_DEPTH = 12;
/**
 * Most expensive accepted operation: every selected field costs 1 (each alias again, a
 * fragment each time it is spread, introspection fields too), or what its
 * `extensions.complexity` says. `getIntrospectionQuery()` costs about 230.
 */
export const MAX_COST = 1000;
/** Operations per request: one (HTTP refuses a JSON array; a graphql-ws `subscribe` carries one). */
export const MAX_BATCH = 1;
/** `{`, `[` and `(` nesting refused before parsing, so graphql-js's recursive parser never overflows its stack. */
const MAX_NESTING = 64;
/** Selections graphql-query-complexity walks at most (it re-expands a fragment at each spread). */
const MAX_NODES = 10 * MAX_COST;

/** Which limit refused a query: `extensions.limit` of the error. */
export type LimitName = "size" | "depth" | "cost" | "batch";

/** The `extensions.code` of every refusal before execution (syntax, validation, limits), on both transports. */
export const VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED";

/**
 * A limit's refusal: `extensions` `{code: "GRAPHQL_VALIDATION_FAILED", limit, max, actual?}`.
 *
 * @example
 * limitError("depth", "query depth 50 exceeds 8", MAX_DEPTH, 50)
 */
export function limitError(limit: LimitName, message: string, max: number, actual?: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: VALIDATION_FAILED, limit, max, ...(actual === undefined ? {} : { actual }) } });
}

/** One operation as a client sends it (HTTP body or graphql-ws `subscribe` payload). */
export interface OperationRequest {
  query: string;
  /** An object of variable values; anything else counts as none here (execution refuses it). */
  variables?: unknown;
  operationName?: string | null;
}

/** What {@link checkOperation} found: a document to execute, or the errors to answer with. */
export type CheckedOperation = { document: DocumentNode; errors: null } | { document: null; errors: readonly GraphQLError[] };

/**
 * The one gate before execution, for HTTP and graphql-ws alike, in this order: size,
 * bracket nesting, syntax, depth and cost, then graphql-js's rules (with its own
 * introspection-cycle limit) and `rules` (e.g. introspection off). Every error carries
 * `extensions.code` `GRAPHQL_VALIDATION_FAILED` (a rule's own code wins); a limit adds
 * `limit`, `max` and, when known, `actual`. Nothing is cached: the cost depends on the
 * variables (`@skip`, `@include`).
 *
 * @example
 * const checked = checkOperation(schema, { query: "{ allBooks { id } }" });
 * if (checked.errors) return { errors: checked.errors };
 * execute({ schema, document: checked.document });
 */
export function checkOperation(schema: GraphQLSchema, request: OperationRequest, rules: readonly ValidationRule[] = []): CheckedOperation {
  const { query } = request;
  if (query.length > MAX_QUERY_CHARS) {
    return refused([limitError("size", `the query has ${query.length} characters, more than ${MAX_QUERY_CHARS}`, MAX_QUERY_CHARS, query.length)]);
  }
  let document: DocumentNode;
  try {
    const nesting = maxNesting(query);
    if (nesting > MAX_NESTING) return refused([limitError("depth", `the query nests brackets more than ${MAX_NESTING} deep`, MAX_NESTING)]);
    document = parse(query);
  } catch (error) {
    if (error instanceof GraphQLError) return refused([coded(error)]);
    throw error;
  }
  // The limits first, alone: they are cheap, and an oversized query never reaches graphql-js's
  // own rules (which take about twice as long on 2,000 aliases).
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, document, [depthRule, costRule(document, request)]);
  } catch (error) {
    // graphql-query-complexity throws (rather than reports) when a query expands to more
    // nodes than it will walk (fragments spread inside fragments): that is a cost refusal.
    if (error instanceof GraphQLError) return refused([limitError("cost", `the query expands to more than ${MAX_NODES} selections`, MAX_COST)]);
    throw error;
  }
  if (errors.length === 0) errors = validate(schema, document, [...specifiedRules, ...rules]);
  return errors.length > 0 ? refused(errors.map(coded)) : { document, errors: null };
}

function refused(errors: readonly GraphQLError[]): CheckedOperation {
  return { document: null, errors };
}

/** `error` with `extensions.code` set (kept if it has one), locations kept. */
function coded(error: GraphQLError): GraphQLError {
  if (error.extensions.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: VALIDATION_FAILED },
  });
}

/** Deepest `{`/`[`/`(` nesting, read token by token (the lexer does not recurse); stops early past the limit. */
function maxNesting(query: string): number {
  const lexer = new Lexer(new Source(query));
  let level = 0;
  let max = 0;
  for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
    if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
      max = Math.max(max, ++level);
      if (max > MAX_NESTING) break;
    } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
      level--;
    }
  }
  return max;
}

/** How far a selection reaches: fields on its longest path (without `ofType`), and `ofType` fields on its longest path. */
interface Reach {
  depth: number;
  ofType: number;
}
const LEAF: Reach = { depth: 0, ofType: 0 };

/**
 * {@link MAX_DEPTH} and {@link MAX_OFTYPE_DEPTH} for every operation. Each fragment is measured
 * once (a fragment spread many times costs nothing more to check); unknown and cyclic
 * fragments count as empty, graphql-js's own rules report them.
 */
function depthRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  const fragments = new Map<string, Reach>();
  const active = new Set<string>();
  const typeNamed = (name: string): GraphQLNamedType | undefined => schema.getType(name) ?? undefined;

  const spread = (name: string): Reach => {
    const known = fragments.get(name);
    if (known) return known;
    const fragment = context.getFragment(name);
    if (!fragment || active.has(name)) return LEAF;
    active.add(name);
    const reach = reachOf(fragment.selectionSet, typeNamed(fragment.typeCondition.name.value));
    active.delete(name);
    fragments.set(name, reach);
    return reach;
  };

  const reachOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): Reach => {
    let depth = 0;
    let ofType = 0;
    for (const selection of selectionSet.selections) {
      let reach: Reach;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const unwraps = name === "ofType" && parent?.name === "__Type";
        const inner = selection.selectionSet ? reachOf(selection.selectionSet, fieldType(parent, name)) : LEAF;
        reach = unwraps ? { depth: inner.depth, ofType: inner.ofType + 1 } : { depth: inner.depth + 1, ofType: inner.ofType };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        reach = reachOf(selection.selectionSet, selection.typeCondition ? typeNamed(selection.typeCondition.name.value) : parent);
      } else {
        reach = spread(selection.name.value);
      }
      depth = Math.max(depth, reach.depth);
      ofType = Math.max(ofType, reach.ofType);
    }
    return { depth, ofType };
  };

  return {
    OperationDefinition(operation) {
      const { depth, ofType } = reachOf(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
      if (depth > MAX_DEPTH) context.reportError(limitError("depth", `query depth ${depth} exceeds the limit of ${MAX_DEPTH}`, MAX_DEPTH, depth));
      if (ofType > MAX_OFTYPE_DEPTH) {
        context.reportError(limitError("depth", `\`ofType\` depth ${ofType} exceeds the limit of ${MAX_OFTYPE_DEPTH}`, MAX_OFTYPE_DEPTH, ofType));
      }
    },
  };
}

/** The named type of `parent.name` (`__schema` and `__type` included); undefined for an unknown field. */
function fieldType(parent: GraphQLNamedType | undefined, name: string): GraphQLNamedType | undefined {
  if (name === SchemaMetaFieldDef.name) return getNamedType(SchemaMetaFieldDef.type);
  if (name === TypeMetaFieldDef.name) return getNamedType(TypeMetaFieldDef.type);
  if (!isObjectType(parent) && !isInterfaceType(parent)) return undefined;
  const field = parent.getFields()[name];
  return field ? getNamedType(field.type) : undefined;
}

/**
 * {@link MAX_COST} through graphql-query-complexity: a field's `extensions.complexity` if it
 * has one, else 1 plus its selections. Variables decide `@skip`/`@include`; with an
 * `operationName` only that operation counts (when every operation is named: the library
 * cannot compare a name with an anonymous one), otherwise all of them together.
 */
function costRule(document: DocumentNode, request: OperationRequest): ValidationRule {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const named = operations.every((o) => o.name !== undefined);
  const rule = createComplexityRule({
    maximumComplexity: MAX_COST,
    maxQueryNodes: MAX_NODES,
    variables: isRecord(request.variables) ? request.variables : {},
    operationName: named && typeof request.operationName === "string" ? request.operationName : undefined,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    createError: (max, actual) => limitError("cost", `query cost ${actual} exceeds the limit of ${max}`, max, actual),
  });
  return rule as unknown as ValidationRule;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
