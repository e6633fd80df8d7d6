/** Keeps a long-running command alive until SIGTERM/SIGINT, then runs `stop` and exits 0. */
export function untilSignal(stop: () => Promise<void>): number {
  const onSignal = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  return -1;
}
