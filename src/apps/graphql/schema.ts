import SchemaBuilder from "@pothos/core";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { ChannelLayer, ScopeUser } from "../../core/index.js";
import type { TokenClaims, TokenService } from "../../auth/jwt.js";
import type { UserStore } from "../accounts/users.js";
import type { ChatLine } from "../chat/store.js";
import { isRoomName, roomGroup } from "../chat/rooms.js";
import type { Book, BookStore, Named } from "./books.js";
import { groupEvents } from "./layer-events.js";

/** What every resolver gets. */
export interface GraphQLContext {
  user: ScopeUser | null;
  users: UserStore;
  books: BookStore;
  tokens: TokenService;
  layer: ChannelLayer;
}

/** The group that hears about new books. */
export const BOOKS_GROUP = "graphql_books";

function unauthenticated(): GraphQLError {
  return new GraphQLError("authentication required: send Authorization: JWT <token>", { extensions: { code: "UNAUTHENTICATED" } });
}

function requireUser(ctx: GraphQLContext): ScopeUser {
  if (!ctx.user) throw unauthenticated();
  return ctx.user;
}

function checkName(value: string, what: string): string {
  const name = value.trim();
  if (name.length === 0 || name.length > 200) throw new GraphQLError(`${what} must be 1–200 characters`, { extensions: { code: "BAD_USER_INPUT" } });
  return name;
}

function makeBuilder() {
  return new SchemaBuilder<{
    Context: GraphQLContext;
    Scalars: { GenericScalar: { Input: unknown; Output: unknown } };
  }>({});
}

/** The schema builder, typed with this schema's context and scalars, for modules that add fields. */
export type Builder = ReturnType<typeof makeBuilder>;

/** Builds the schema code-first with Pothos; `extend` adds other apps' types and fields. */
export function buildSchema(extend: (builder: Builder, requireUser: (ctx: GraphQLContext) => ScopeUser) => void = () => undefined): GraphQLSchema {
  const builder = makeBuilder();

  builder.scalarType("GenericScalar", {
    description: "Any JSON value (graphql_jwt's payload).",
    serialize: (value) => value,
    parseValue: (value) => value,
  });

  const NamedFields = (name: string) =>
    builder.objectRef<Named>(name).implement({ fields: (t) => ({ id: t.exposeID("id"), name: t.exposeString("name") }) });
  const Title = NamedFields("Title");
  const Author = NamedFields("Author");

  const BookType = builder.objectRef<Book>("Book").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      title: t.field({ type: Title, resolve: (b) => b.title }),
      author: t.field({ type: Author, resolve: (b) => b.author }),
    }),
  });

  const UserType = builder.objectRef<ScopeUser & { email?: string }>("User").implement({
    fields: (t) => ({
      id: t.id({ resolve: (u) => u.id }),
      username: t.string({ resolve: (u) => u.username }),
      nickname: t.string({ resolve: (u) => String(u.nickname ?? u.username) }),
      groupName: t.string({ resolve: (u) => String(u.groupName ?? "default") }),
    }),
  });

  const ChatMessage = builder.objectRef<ChatLine>("ChatMessage").implement({
    fields: (t) => ({
      id: t.exposeID("id"),
      room: t.exposeString("room"),
      user: t.exposeString("user"),
      message: t.exposeString("message"),
      ts: t.float({ resolve: (l) => l.ts }),
    }),
  });

  const BookInput = builder.inputType("BookInput", {
    fields: (t) => ({ title: t.string({ required: true }), author: t.string({ required: true }) }),
  });
  const BookPatch = builder.inputType("BookPatch", { fields: (t) => ({ title: t.string(), author: t.string() }) });

  const BookPayload = builder.objectRef<{ book: Book | null; ok: boolean }>("BookPayload").implement({
    fields: (t) => ({ book: t.field({ type: BookType, nullable: true, resolve: (p) => p.book }), ok: t.exposeBoolean("ok") }),
  });
  const TokenPayload = builder.objectRef<{ token: string; payload: TokenClaims; refreshExpiresIn: number }>("ObtainJSONWebToken").implement({
    fields: (t) => ({
      token: t.exposeString("token"),
      payload: t.field({ type: "GenericScalar", resolve: (p) => p.payload }),
      refreshExpiresIn: t.exposeInt("refreshExpiresIn"),
    }),
  });

  builder.queryType({
    fields: (t) => ({
      allBooks: t.field({
        type: [BookType],
        args: { first: t.arg.int({ defaultValue: 100 }), after: t.arg.id() },
        resolve: (_root, args, ctx) => {
          const first = Math.max(0, Math.min(500, args.first ?? 100));
          return ctx.books.list(first, args.after ? Number(args.after) || 0 : 0);
        },
      }),
      book: t.field({ type: BookType, nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (_r, { id }, ctx) => ctx.books.byId(Number(id)) }),
      me: t.field({ type: UserType, nullable: true, resolve: (_r, _a, ctx) => ctx.user }),
    }),
  });

  builder.mutationType({
    fields: (t) => ({
      createBook: t.field({
        type: BookPayload,
        args: { bookData: t.arg({ type: BookInput, required: true }) },
        resolve: async (_r, { bookData }, ctx) => {
          requireUser(ctx);
          const book = await ctx.books.create(checkName(bookData.title, "title"), checkName(bookData.author, "author"));
          await ctx.layer.groupSend(BOOKS_GROUP, { type: "book.added", book });
          return { book, ok: true };
        },
      }),
      updateBook: t.field({
        type: BookPayload,
        args: { id: t.arg.id({ required: true }), bookData: t.arg({ type: BookPatch, required: true }) },
        resolve: async (_r, { id, bookData }, ctx) => {
          requireUser(ctx);
          const title = bookData.title == null ? undefined : checkName(bookData.title, "title");
          const author = bookData.author == null ? undefined : checkName(bookData.author, "author");
          const book = await ctx.books.update(Number(id), title, author);
          return { book, ok: book !== null };
        },
      }),
      deleteBook: t.field({
        type: BookPayload,
        args: { id: t.arg.id({ required: true }) },
        resolve: async (_r, { id }, ctx) => {
          requireUser(ctx);
          return { book: null, ok: await ctx.books.delete(Number(id)) };
        },
      }),
      createUser: t.field({
        type: builder.objectRef<{ msg: string }>("CreateUser").implement({ fields: (f) => ({ msg: f.exposeString("msg") }) }),
        args: {
          username: t.arg.string({ required: true }),
          email: t.arg.string({ required: true }),
          password: t.arg.string({ required: true }),
          groupName: t.arg.string(),
        },
        resolve: async (_r, args, ctx) => {
          const created = await ctx.users.create({ username: args.username, email: args.email, password: args.password, groupName: args.groupName ?? undefined });
          return { msg: "problem" in created ? created.problem : `user ${created.user.username} created` };
        },
      }),
      setGroup: t.field({
        type: builder.objectRef<{ ok: boolean }>("SetGroup").implement({ fields: (f) => ({ ok: f.exposeBoolean("ok") }) }),
        description: "Superusers only: move a user to another notification group.",
        args: { username: t.arg.string({ required: true }), groupName: t.arg.string({ required: true }) },
        resolve: async (_r, { username, groupName }, ctx) => {
          const me = requireUser(ctx);
          const actor = await ctx.users.byId(Number(me.id));
          if (!actor?.isSuperuser) throw new GraphQLError("only a superuser may change groups", { extensions: { code: "FORBIDDEN" } });
          const target = await ctx.users.byUsername(username);
          if (!target) return { ok: false };
          try {
            await ctx.users.setGroup(target.id, groupName);
          } catch (error) {
            throw new GraphQLError((error as Error).message, { extensions: { code: "BAD_USER_INPUT" } });
          }
          return { ok: true };
        },
      }),
      tokenAuth: t.field({
        type: TokenPayload,
        args: { username: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
        resolve: async (_r, { username, password }, ctx) => {
          const user = await ctx.users.authenticate(username, password);
          if (!user) throw new GraphQLError("Please enter valid credentials", { extensions: { code: "UNAUTHENTICATED" } });
          const issued = await ctx.tokens.issue({ uid: user.id, username: user.username, nickname: user.nickname, groupName: user.groupName });
          return { ...issued, refreshExpiresIn: ctx.tokens.refreshExpiresIn(issued.payload.origIat) };
        },
      }),
      verifyToken: t.field({
        type: builder.objectRef<{ payload: TokenClaims }>("Verify").implement({ fields: (f) => ({ payload: f.field({ type: "GenericScalar", resolve: (p) => p.payload }) }) }),
        args: { token: t.arg.string({ required: true }) },
        resolve: async (_r, { token }, ctx) => ({ payload: await verified(() => ctx.tokens.verify(token)) }),
      }),
      refreshToken: t.field({
        type: TokenPayload,
        args: { token: t.arg.string({ required: true }) },
        resolve: async (_r, { token }, ctx) => {
          const issued = await verified(() => ctx.tokens.refresh(token));
          return { ...issued, refreshExpiresIn: ctx.tokens.refreshExpiresIn(issued.payload.origIat) };
        },
      }),
    }),
  });

  builder.subscriptionType({
    fields: (t) => ({
      roomMessages: t.field({
        type: ChatMessage,
        args: { room: t.arg.string({ required: true }) },
        subscribe: (_r, { room }, ctx) => {
          if (!isRoomName(room)) throw new GraphQLError("room names are 1–80 of A–Z a–z 0–9 _ -", { extensions: { code: "BAD_USER_INPUT" } });
          return groupEvents(ctx.layer, roomGroup(room), ["chat.message"]);
        },
        resolve: (event) => (event as unknown as { line: ChatLine }).line,
      }),
      bookAdded: t.field({
        type: BookType,
        subscribe: (_r, _a, ctx) => groupEvents(ctx.layer, BOOKS_GROUP, ["book.added"]),
        resolve: (event) => (event as unknown as { book: Book }).book,
      }),
    }),
  });

  extend(builder, requireUser);
  return builder.toSchema();
}

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
