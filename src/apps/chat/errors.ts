import { defineErrors } from "../../core/index.js";
import { MAX_MESSAGE_BYTES } from "./rooms.js";

/** The chat's own refusals (the core's frame errors — invalid JSON, unknown type — stay in the core). */
export const CHAT_ERRORS = defineErrors({
  SB_ERR_INVALID_MESSAGE: { message: `message must be a non-empty string of at most ${MAX_MESSAGE_BYTES} bytes`, status: 400, frame: "invalid_message" },
  SB_ERR_NO_SUCH_ROOM: { message: "room names are 1–100 Unicode letters, digits, _ . or - (marks after the first)", status: 404, frame: "not_found" },
});
