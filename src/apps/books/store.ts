import type { Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";

/** A named thing (title or author). */
export interface Named {
  id: number;
  name: string;
}

/** A book with its title and author resolved. */
export interface Book {
  id: number;
  title: Named;
  author: Named;
}

/** Books, titles and authors. Reads join, so a page of books is one query whatever it asks for. */
export class BookStore {
  constructor(readonly db: Kysely<Database>) {}

  /** Creates a book, reusing an existing title and author of the same name. */
  async create(titleName: string, authorName: string): Promise<Book> {
    return this.db.transaction().execute(async (tx) => {
      const title = await named(tx, "titles", titleName);
      const author = await named(tx, "authors", authorName);
      const row = await tx.insertInto("books").values({ title_id: title.id, author_id: author.id, created_at: Date.now() }).returning("id").executeTakeFirstOrThrow();
      return { id: row.id, title, author };
    });
  }

  /** Up to `first` books with id greater than `after`, oldest first. */
  async list(first: number, after: number): Promise<Book[]> {
    const rows = await this.#select().where("books.id", ">", after).orderBy("books.id", "asc").limit(first).execute();
    return rows.map(toBook);
  }

  async byId(id: number): Promise<Book | null> {
    const row = await this.#select().where("books.id", "=", id).executeTakeFirst();
    return row ? toBook(row) : null;
  }

  /** Changes a book's title and/or author; null when there is no such book. */
  async update(id: number, titleName?: string, authorName?: string): Promise<Book | null> {
    const changed = await this.db.transaction().execute(async (tx) => {
      const set: { title_id?: number; author_id?: number } = {};
      if (titleName !== undefined) set.title_id = (await named(tx, "titles", titleName)).id;
      if (authorName !== undefined) set.author_id = (await named(tx, "authors", authorName)).id;
      if (Object.keys(set).length === 0) return true;
      const result = await tx.updateTable("books").set(set).where("id", "=", id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
    return changed ? this.byId(id) : null;
  }

  /** Deletes a book; false when there was none. */
  async delete(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom("books").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  #select() {
    return this.db
      .selectFrom("books")
      .innerJoin("titles", "titles.id", "books.title_id")
      .innerJoin("authors", "authors.id", "books.author_id")
      .select(["books.id as id", "titles.id as titleId", "titles.name as titleName", "authors.id as authorId", "authors.name as authorName"]);
  }
}

async function named(tx: Kysely<Database>, table: "titles" | "authors", name: string): Promise<Named> {
  const existing = await tx.selectFrom(table).select(["id", "name"]).where("name", "=", name).executeTakeFirst();
  if (existing) return existing;
  const row = await tx.insertInto(table).values({ name }).returning("id").executeTakeFirstOrThrow();
  return { id: row.id, name };
}

function toBook(r: { id: number; titleId: number; titleName: string; authorId: number; authorName: string }): Book {
  return { id: r.id, title: { id: r.titleId, name: r.titleName }, author: { id: r.authorId, name: r.authorName } };
}
