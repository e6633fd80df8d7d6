import { GraphQLError } from "graphql";
import type { ChannelLayer } from "../../core/index.js";
import { groupEvents, type GraphQLContribution } from "../../graphql/index.js";
import type { Book, BookStore, Named } from "./store.js";

/** The group that hears about new books. */
export const BOOKS_GROUP = "graphql_books";

function checkName(value: string, what: string): string {
  const name = value.trim();
  if (name.length === 0 || name.length > 200) throw new GraphQLError(`${what} must be 1–200 characters`, { extensions: { code: "BAD_USER_INPUT" } });
  return name;
}

/**
 * The GraphQL tutorial's books: `allBooks`, `book(id)` (public), `createBook`,
 * `updateBook`, `deleteBook` (signed-in users) and the `bookAdded` subscription.
 */
export function booksGraphql(books: BookStore, layer: ChannelLayer): GraphQLContribution {
  return (builder) => {
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
    const BookInput = builder.inputType("BookInput", {
      fields: (t) => ({ title: t.string({ required: true }), author: t.string({ required: true }) }),
    });
    const BookPatch = builder.inputType("BookPatch", { fields: (t) => ({ title: t.string(), author: t.string() }) });
    const BookPayload = builder.objectRef<{ book: Book | null; ok: boolean }>("BookPayload").implement({
      fields: (t) => ({ book: t.field({ type: BookType, nullable: true, resolve: (p) => p.book }), ok: t.exposeBoolean("ok") }),
    });

    builder.queryFields((t) => ({
      allBooks: t.field({
        type: [BookType],
        authScopes: { public: true },
        args: { first: t.arg.int({ defaultValue: 100 }), after: t.arg.id() },
        resolve: (_root, args) => {
          const first = Math.max(0, Math.min(500, args.first ?? 100));
          return books.list(first, args.after ? Number(args.after) || 0 : 0);
        },
      }),
      book: t.field({
        type: BookType,
        nullable: true,
        authScopes: { public: true },
        args: { id: t.arg.id({ required: true }) },
        resolve: (_r, { id }) => books.byId(Number(id)),
      }),
    }));

    builder.mutationFields((t) => ({
      createBook: t.field({
        type: BookPayload,
        authScopes: { user: true },
        args: { bookData: t.arg({ type: BookInput, required: true }) },
        resolve: async (_r, { bookData }) => {
          const book = await books.create(checkName(bookData.title, "title"), checkName(bookData.author, "author"));
          await layer.groupSend(BOOKS_GROUP, { type: "book.added", book });
          return { book, ok: true };
        },
      }),
      updateBook: t.field({
        type: BookPayload,
        authScopes: { user: true },
        args: { id: t.arg.id({ required: true }), bookData: t.arg({ type: BookPatch, required: true }) },
        resolve: async (_r, { id, bookData }) => {
          const title = bookData.title == null ? undefined : checkName(bookData.title, "title");
          const author = bookData.author == null ? undefined : checkName(bookData.author, "author");
          const book = await books.update(Number(id), title, author);
          return { book, ok: book !== null };
        },
      }),
      deleteBook: t.field({
        type: BookPayload,
        authScopes: { user: true },
        args: { id: t.arg.id({ required: true }) },
        resolve: async (_r, { id }) => ({ book: null, ok: await books.delete(Number(id)) }),
      }),
    }));

    builder.subscriptionFields((t) => ({
      bookAdded: t.field({
        type: BookType,
        authScopes: { public: true },
        subscribe: () => groupEvents(layer, BOOKS_GROUP, ["book.added"]),
        resolve: (event) => (event as unknown as { book: Book }).book,
      }),
    }));
  };
}
