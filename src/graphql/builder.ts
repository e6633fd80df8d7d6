import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import type { ScopeUser } from "../core/index.js";

/** What every resolver gets: who is asking (null: anonymous). Apps close over their own services. */
export interface GraphQLContext {
  user: ScopeUser | null;
  /** The client's address (through trusted proxies), for per-address limits such as sign-in throttling. */
  address: string | null;
}

/**
 * The access scopes every field declares with `authScopes` (the same levels as routes):
 * `{ public: true }`, `{ user: true }` or `{ superuser: true }`.
 */
export interface AccessScopes {
  public: boolean;
  user: boolean;
  superuser: boolean;
}

/** `UNAUTHENTICATED` (no user) or `FORBIDDEN` (a user without the role): what a refused field answers. */
export function accessError(user: ScopeUser | null): GraphQLError {
  return user
    ? new GraphQLError("not allowed for this user", { extensions: { code: "FORBIDDEN" } })
    : new GraphQLError("authentication required: send Authorization: JWT <token>", { extensions: { code: "UNAUTHENTICATED" } });
}

/** A new schema builder with the shared scalars' types and the scope-auth plugin. */
export function createBuilder() {
  return new SchemaBuilder<{
    Context: GraphQLContext;
    AuthScopes: AccessScopes;
    Scalars: { GenericScalar: { Input: unknown; Output: unknown } };
  }>({
    plugins: [ScopeAuthPlugin],
    scopeAuth: {
      // Subscriptions are checked when they start, not at each event.
      authorizeOnSubscribe: true,
      authScopes: (ctx) => ({ public: true, user: ctx.user !== null, superuser: ctx.user?.isSuperuser === true }),
      unauthorizedError: (_parent, ctx) => accessError(ctx.user),
    },
  });
}

/** The shared schema builder, typed with the context, the access scopes and the scalars. */
export type Builder = ReturnType<typeof createBuilder>;

/** An app's part of the schema: adds its types and root fields (`queryFields`, `mutationFields`, `subscriptionFields`). */
export type GraphQLContribution = (builder: Builder) => void;
