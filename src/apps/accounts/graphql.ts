import { GraphQLError } from "graphql";
import type { Auth, TokenClaims } from "../../auth/index.js";
import type { ScopeUser } from "../../core/index.js";
import type { GraphQLContribution } from "../../graphql/index.js";

/** Runs a token check, turning its failure into a GraphQL error with the reason as code. */
async function verified<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? "invalid_token";
    throw new GraphQLError(reason === "token_expired" ? "Signature has expired" : reason === "refresh_expired" ? "Refresh has expired" : "Error decoding signature", {
      extensions: { code: reason.toUpperCase() },
    });
  }
}

/**
 * Accounts in GraphQL (graphql_jwt's names): `me`, `createUser`, `tokenAuth`,
 * `verifyToken`, `refreshToken` (public) and `setGroup` (superusers).
 */
export function accountsGraphql({ users, tokens, throttle }: Auth): GraphQLContribution {
  return (builder) => {
    const UserType = builder.objectRef<ScopeUser & { email?: string }>("User").implement({
      fields: (t) => ({
        id: t.id({ resolve: (u) => u.id }),
        username: t.string({ resolve: (u) => u.username }),
        nickname: t.string({ resolve: (u) => String(u.nickname ?? u.username) }),
        groupName: t.string({ resolve: (u) => String(u.groupName ?? "default") }),
      }),
    });
    const TokenPayload = builder.objectRef<{ token: string; payload: TokenClaims; refreshExpiresIn: number }>("ObtainJSONWebToken").implement({
      fields: (t) => ({
        token: t.exposeString("token"),
        payload: t.field({ type: "GenericScalar", resolve: (p) => p.payload }),
        refreshExpiresIn: t.exposeInt("refreshExpiresIn"),
      }),
    });

    builder.queryFields((t) => ({
      me: t.field({ type: UserType, nullable: true, authScopes: { public: true }, resolve: (_r, _a, ctx) => ctx.user }),
    }));

    builder.mutationFields((t) => ({
      createUser: t.field({
        type: builder.objectRef<{ msg: string }>("CreateUser").implement({ fields: (f) => ({ msg: f.exposeString("msg") }) }),
        authScopes: { public: true },
        args: {
          username: t.arg.string({ required: true }),
          email: t.arg.string({ required: true }),
          password: t.arg.string({ required: true }),
          groupName: t.arg.string(),
        },
        resolve: async (_r, args, ctx) => {
          // New users join the default group; choosing another is a superuser's act (as setGroup).
          if (args.groupName != null && ctx.user?.isSuperuser !== true) {
            throw new GraphQLError("only a superuser may put a new user in a group", { extensions: { code: "FORBIDDEN" } });
          }
          const created = await users.create({ username: args.username, email: args.email, password: args.password, groupName: args.groupName ?? undefined });
          return { msg: "problem" in created ? created.problem : `user ${created.user.username} created` };
        },
      }),
      setGroup: t.field({
        type: builder.objectRef<{ ok: boolean }>("SetGroup").implement({ fields: (f) => ({ ok: f.exposeBoolean("ok") }) }),
        description: "Superusers only: move a user to another notification group.",
        authScopes: { superuser: true },
        args: { username: t.arg.string({ required: true }), groupName: t.arg.string({ required: true }) },
        resolve: async (_r, { username, groupName }) => {
          const target = await users.byUsername(username);
          if (!target) return { ok: false };
          try {
            await users.setGroup(target.id, groupName);
          } catch (error) {
            throw new GraphQLError((error as Error).message, { extensions: { code: "BAD_USER_INPUT" } });
          }
          return { ok: true };
        },
      }),
      tokenAuth: t.field({
        type: TokenPayload,
        authScopes: { public: true },
        args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
        resolve: async (_r, { username, password }, ctx) => {
          // Throttled with the log-in form and POST /api/token, on the same counts.
          const attempt = await throttle.attempt({ address: ctx.address ?? "unknown", account: username }, () => users.authenticate(username, password));
          if (attempt.outcome === "throttled") {
            throw new GraphQLError(`too many failed sign-ins: try again in ${attempt.retryAfter} s`, { extensions: { code: "TOO_MANY_ATTEMPTS", retryAfter: attempt.retryAfter } });
          }
          if (attempt.outcome === "failed") throw new GraphQLError("Please enter valid credentials", { extensions: { code: "UNAUTHENTICATED" } });
          const user = attempt.value;
          const issued = await tokens.issue({ uid: user.id, username: user.username, nickname: user.nickname, groupName: user.groupName });
          return { ...issued, refreshExpiresIn: tokens.refreshExpiresIn(issued.payload.origIat) };
        },
      }),
      verifyToken: t.field({
        type: builder.objectRef<{ payload: TokenClaims }>("Verify").implement({ fields: (f) => ({ payload: f.field({ type: "GenericScalar", resolve: (p) => p.payload }) }) }),
        authScopes: { public: true },
        args: { token: t.arg.string({ required: true }) },
        resolve: async (_r, { token }) => ({ payload: await verified(() => tokens.verify(token)) }),
      }),
      refreshToken: t.field({
        type: TokenPayload,
        authScopes: { public: true },
        args: { token: t.arg.string({ required: true }) },
        resolve: async (_r, { token }) => {
          const issued = await verified(() => tokens.refresh(token));
          return { ...issued, refreshExpiresIn: tokens.refreshExpiresIn(issued.payload.origIat) };
        },
      }),
    }));
  };
}
