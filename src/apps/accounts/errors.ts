import { defineErrors } from "../../core/index.js";

/** The account pages' own refusals (the auth codes themselves are in `auth/errors.ts`). */
export const ACCOUNTS_ERRORS = defineErrors({
  SB_ERR_INVALID_FORM: { message: "the form has a problem", status: 400, frame: "invalid_form" },
  SB_ERR_CSRF_FAILED: { message: "the form expired or came from another site", status: 403, frame: "csrf_failed" },
  SB_ERR_INVALID_NOTIFICATION: { message: "a notification is {\"message\": <1–4096 characters>} with an optional \"to\": <uid>", frame: "invalid_message" },
  SB_ERR_NOT_IN_GROUP: { message: "that user is not in your group", frame: "not_in_group" },
});
