import type { AppModule } from "../module.js";
import { booksGraphql } from "./graphql.js";
import * as books from "./migrations/0003-books.js";
import { BookStore } from "./store.js";

/** The GraphQL tutorial's books (titles, authors): GraphQL fields only, no pages or sockets. */
export const booksApp: AppModule = {
  name: "books",
  migrations: { "0003-books": books },
  start: ({ db, layer }) => ({ graphql: booksGraphql(new BookStore(db), layer) }),
};

export { BOOKS_GROUP } from "./graphql.js";
export { BookStore, type Book, type Named } from "./store.js";
