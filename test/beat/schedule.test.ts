import { describe, expect, it } from "vitest";
import { Beat, SoleLeader, ScheduleError, parseDuration, planSchedule, type Schedule } from "../../src/beat/index.js";
import { InMemoryChannelLayer, SocketRouter, WebsocketCommunicator } from "../../src/core/index.js";
import { ClockConsumer } from "../../src/apps/clock/index.js";

describe("beat schedule", () => {
  it("parses durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("10")).toBeNull();
    expect(parseDuration("1d")).toBeNull();
  });

  it.each<[string, Schedule, RegExp]>([
    ["neither target", { x: { type: "t", every: "1s" } }, /exactly one of `channel` or `group`/],
    ["both targets", { x: { type: "t", every: "1s", group: "g", channel: "c" } }, /exactly one of `channel` or `group`/],
    ["a bad group name", { x: { type: "t", every: "1s", group: "bad group" } }, /invalid group name/],
    ["a bad channel name", { x: { type: "t", every: "1s", channel: "ü" } }, /invalid channel name/],
    ["a missing type", { x: { every: "1s", group: "g" } as never }, /`type` must be/],
    ["a bad type", { x: { type: "_private", every: "1s", group: "g" } }, /`type` must be/],
    ["neither every nor cron", { x: { type: "t", group: "g" } }, /exactly one of `every` or `cron`/],
    ["both every and cron", { x: { type: "t", group: "g", every: "1s", cron: "* * * * *" } }, /exactly one of `every` or `cron`/],
    ["a bad duration", { x: { type: "t", group: "g", every: "ten seconds" } }, /`every` must be a duration/],
    ["a too-short interval", { x: { type: "t", group: "g", every: "50ms" } }, /at least 100ms/],
    ["a bad cron expression", { x: { type: "t", group: "g", cron: "every tuesday" } }, /bad cron expression/],
    ["a bad payload", { x: { type: "t", group: "g", every: "1s", payload: [] as never } }, /`payload` must be an object/],
  ])("refuses an entry with %s, naming the entry", (_label, schedule, problem) => {
    expect(() => planSchedule(schedule)).toThrow(ScheduleError);
    expect(() => planSchedule(schedule)).toThrow(/beat schedule: entry "x"/);
    expect(() => planSchedule(schedule)).toThrow(problem);
  });

  it("aligns intervals to multiples since the epoch, and follows cron", () => {
    const [every, cron] = planSchedule({
      tick: { type: "t", group: "g", every: "10s" },
      five: { type: "t", group: "g", cron: "*/5 * * * *" },
    });
    expect(every!.next(Date.UTC(2026, 0, 1, 0, 0, 3))).toBe(Date.UTC(2026, 0, 1, 0, 0, 10));
    expect(every!.next(Date.UTC(2026, 0, 1, 0, 0, 10))).toBe(Date.UTC(2026, 0, 1, 0, 0, 20));
    const after = new Date(2026, 0, 1, 10, 7, 30).getTime();
    expect(cron!.next(after)).toBe(new Date(2026, 0, 1, 10, 10, 0).getTime());
  });
});

describe("beat in one process", () => {
  it("sends {type, name, ts, payload} to the group when due", async () => {
    const layer = new InMemoryChannelLayer();
    const inbox = await layer.newChannel();
    await layer.groupAdd("ticks", inbox);
    const beat = new Beat({
      entries: planSchedule({ fast: { group: "ticks", type: "tick.now", every: "200ms", payload: { hello: 1 } } }),
      layer,
      election: new SoleLeader(),
    });
    await beat.start();
    const first = await layer.receive(inbox, { signal: AbortSignal.timeout(2000) });
    const second = await layer.receive(inbox, { signal: AbortSignal.timeout(2000) });
    await beat.stop();
    expect(first).toMatchObject({ type: "tick.now", name: "fast", payload: { hello: 1 } });
    expect((second.ts as number) - (first.ts as number)).toBe(200);
    expect((first.ts as number) % 200).toBe(0);
    await layer.close();
  });

  it("the clock consumer forwards server.time ticks to its socket", async () => {
    const layer = new InMemoryChannelLayer();
    const c = new WebsocketCommunicator(new SocketRouter().route("/ws/clock/", ClockConsumer).app(), "/ws/clock/", { layer });
    await c.connect();
    const beat = new Beat({ entries: planSchedule({ clock: { group: "clock", type: "server.time", every: "100ms" } }), layer, election: new SoleLeader() });
    await beat.start();
    const frame = await c.receiveJson<{ type: string; ts: number }>(2000);
    await beat.stop();
    expect(frame.type).toBe("server.time");
    expect(Math.abs(frame.ts - Date.now())).toBeLessThan(1000);
    await c.disconnect();
    await layer.close();
  });
});
