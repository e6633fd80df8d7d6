import { SocketRoutes } from "../../auth/index.js";
import type { AppModule } from "../module.js";
import { ACCOUNTS_ERRORS } from "./errors.js";
import { accountsGraphql } from "./graphql.js";
import { accountsHttp } from "./http.js";
import { notifyConsumer } from "./notify-consumer.js";

/**
 * Accounts: sign-up, log-in and log-out pages (cookie sessions), `POST /api/token`,
 * `GET /api/me`, the notify page and `/ws/notify/` (push to a group or one member), and the
 * account fields of GraphQL. The stores and the identifier themselves live in `auth/`.
 */
export const accountsApp: AppModule = {
  name: "accounts",
  errors: ACCOUNTS_ERRORS,
  start: ({ auth, config }) => ({
    sockets: new SocketRoutes().route("/ws/notify/", notifyConsumer(auth.users), { access: "user" }),
    http: accountsHttp(auth, config.secretKey),
    graphql: accountsGraphql(auth),
  }),
};

export { groupChannel, userChannel } from "../../protocol/groups.js";
