// The GraphQL explorer at /graphql/: GraphiQL (schema docs, autocomplete, history, a headers
// editor), its queries and mutations POSTed as JSON to /graphql/ (the browser's session
// cookie goes along, so a signed-in reader is signed in here too) and its subscriptions over
// graphql-ws on the same path. Bundled by scripts/build-web.mjs; served from our origin.
import "./nonce.js";
import "./workers.js";
import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { parse, type DocumentNode } from "graphql";
import { GraphiQL } from "graphiql";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "./page.css";

/** What a first visit shows: the tutorial's first query, and how to be allowed to write. */
const DEFAULT_QUERY = `# The Switchboard GraphQL explorer.
#
# Signed in (/accounts/login/)? Your session goes with
# every request: createBook, updateBook and deleteBook
# work as they are. Or run tokenAuth and put
#   {"Authorization": "JWT <token>"}
# in Headers (below).
#
# Ctrl-Enter runs, Ctrl-Space completes; the icons on
# the left open the schema docs and the history.
# Subscriptions (bookAdded, roomMessages) use graphql-ws.

query {
  allBooks {
    id
    title { id name }
    author { id name }
  }
}
`;

const endpoint = new URL("/graphql/", location.href);
const toolkitFetcher = createGraphiQLFetcher({
  url: endpoint.href,
  // graphql-ws (subprotocol graphql-transport-ws); the headers editor's values go along as
  // connection_init's payload, where the server reads a `token` or an `Authorization`.
  subscriptionUrl: endpoint.href.replace(/^http/, "ws"),
});

/**
 * The toolkit sends an operation over graphql-ws when the document GraphiQL hands it is a
 * subscription; GraphiQL updates that document a moment after each edit, so a subscription
 * run right after typing went out over HTTP (and answered `null`). The document of the text
 * actually sent decides here.
 */
const fetcher: Fetcher = (params, options) => {
  let documentAST: DocumentNode | undefined = options?.documentAST;
  try {
    documentAST = parse(params.query);
  } catch {
    // Not GraphQL: the server answers with the syntax error.
  }
  return toolkitFetcher(params, { ...options, documentAST });
};

const root = document.getElementById("graphiql");
if (!root) throw new Error("graphiql: no #graphiql element on the page");
createRoot(root).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false} />
  </StrictMode>,
);
