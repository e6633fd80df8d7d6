import { ExternalTokenVerifier, SocketRoutes, externalTokenAuth } from "../../auth/index.js";
import type { AppModule } from "../module.js";
import { GpsConsumer } from "./consumer.js";
import { GPS_ERRORS } from "./errors.js";

/**
 * GPS: the JWT tutorial's `/gps/connect`, for clients another service signs tokens for
 * (claims `uid`, `nickname`, `group_name`; HS256 with `TOKEN_KEY`, or RS256/ES256 against
 * `TOKEN_PUBLIC_KEY` / `TOKEN_JWKS_URL`). Off unless one of those is set. The route's users
 * are not Switchboard users: `externalTokenAuth` verifies the token in front of the route
 * and fills `scope.user` from its claims (a session cookie or a Switchboard JWT does not
 * count); `access: "user"` then refuses a handshake without a valid token with 401.
 */
export const gpsApp: AppModule = {
  name: "gps",
  errors: GPS_ERRORS,
  start: ({ config }) => {
    if (!config.externalToken) return {};
    const authenticate = externalTokenAuth(new ExternalTokenVerifier(config.externalToken));
    return { sockets: new SocketRoutes().route("/gps/connect", GpsConsumer, { access: "user", authenticate }) };
  },
};

export { GpsConsumer, type GpsFrame } from "./consumer.js";
export { gpsGroup, gpsMember } from "./groups.js";
