import { defineErrors } from "../../core/index.js";

/** The admin dashboard's codes: the close code its "close socket" action uses, and its refusals of bad actions. */
export const ADMIN_ERRORS = defineErrors({
  SB_ERR_CLOSED_BY_ADMIN: { message: "closed by an administrator (the reason says why)", closeCode: 4001 },
  SB_ERR_INVALID_ADMIN_ACTION: { message: "not an admin action: see docs/admin.md for the frames", frame: "invalid_action" },
});
