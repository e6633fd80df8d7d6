import { defineErrors } from "../core/index.js";

/**
 * The operations endpoints' refusals. `/metrics` on the main port answers 404 when no
 * `METRICS_TOKEN` is configured (metrics are not exposed there: served on
 * `METRICS_HOST:METRICS_PORT` or nowhere), and 401 when the token is missing or wrong (one
 * answer for both, so a scraper learns nothing about a guess).
 */
export const OPS_ERRORS = defineErrors({
  SB_ERR_METRICS_NOT_EXPOSED: { message: "metrics are not served on this port", status: 404, frame: "not_found" },
  SB_ERR_METRICS_TOKEN: { message: "metrics need Authorization: Bearer <METRICS_TOKEN>", status: 401, frame: "metrics_token_required" },
});
