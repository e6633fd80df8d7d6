import { defineErrors } from "../../core/index.js";

/** The work orders' refusals, over HTTP (status), sockets and GraphQL (the same names). */
export const WORKORDER_ERRORS = defineErrors({
  SB_ERR_NO_SUCH_ORDER: { message: "no such work order", status: 404, frame: "not_found" },
  SB_ERR_INVALID_TRANSITION: { message: "the order cannot do that in its state", status: 409, frame: "invalid_transition" },
  SB_ERR_TRANSITION_FORBIDDEN: { message: "not allowed for this user", status: 403, frame: "forbidden" },
  SB_ERR_INVALID_TEMPLATE: { message: "invalid work order or template", status: 400, frame: "invalid_request" },
});
