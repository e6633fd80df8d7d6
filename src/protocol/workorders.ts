/**
 * Work-order shapes the server sends and the pages read (types only: the pages are built
 * against the DOM alone, so they cannot import the app's modules, which run on Node).
 */

/** A work order's life. */
export type OrderState = "draft" | "pending_approval" | "approved" | "running" | "succeeded" | "failed" | "rejected" | "cancelled";
/** A step run's state. */
export type StepState = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

/** One step's run. */
export interface StepRun {
  step: string;
  state: StepState;
  startedAt: number | null;
  finishedAt: number | null;
  exitCode: number | null;
  error: string | null;
}
