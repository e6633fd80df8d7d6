import type { Kysely } from "kysely";
import { idColumn, millisType } from "../../../storage/dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ["titles", "authors"]) {
    await db.schema
      .createTable(table)
      .addColumn("id", ...idColumn(db))
      .addColumn("name", "text", (c) => c.notNull().unique())
      .execute();
  }
  await db.schema
    .createTable("books")
    .addColumn("id", ...idColumn(db))
    .addColumn("title_id", "integer", (c) => c.notNull().references("titles.id"))
    .addColumn("author_id", "integer", (c) => c.notNull().references("authors.id"))
    .addColumn("created_at", millisType(db), (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("books").execute();
  await db.schema.dropTable("authors").execute();
  await db.schema.dropTable("titles").execute();
}
