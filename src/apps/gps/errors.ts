import { defineErrors } from "../../core/index.js";

/** `/gps/connect`'s own refusals (a bad token is auth's: `SB_ERR_INVALID_TOKEN`, `SB_ERR_TOKEN_EXPIRED`). */
export const GPS_ERRORS = defineErrors({
  SB_ERR_INVALID_PUSH: { message: 'a push to one member is {"to": <uid: integer or string>, "message": <any JSON>}', frame: "invalid_message" },
});
