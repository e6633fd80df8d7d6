import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Beat, SoleLeader, ScheduleError, loadSchedule, parseDuration, planSchedule, type Schedule } from "../../src/beat/index.js";
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
    ["a payload JSON cannot carry", { x: { type: "t", group: "g", every: "1s", payload: { when: new Date() } } }, /`payload.when` is a Date, which JSON cannot carry/],
    ["an unknown key (a typo)", { x: { type: "t", group: "g", evry: "1s" } as never }, /unknown key `evry`/],
    ["beatserver's `schedule` in a named entry", { x: { type: "t", channel: "c", schedule: 5 } as never }, /`schedule` belongs to beatserver's shape: list the entries under their channel, \{"x": \[/],
    ["neither an entry nor a list", { x: "every second" as never }, /must be a named entry .* or a list of beatserver entries/],
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

const TUTORIAL = { "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: 5 }] };

describe("beat schedule in beatserver's shape", () => {
  it("plans the tutorial's entry: channel testing-print, every 5 s, the entry without `schedule` as the message", () => {
    const [entry, ...others] = planSchedule(TUTORIAL);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ name: "testing-print#0", shape: "beatserver", type: "test.print", when: "every 5s", target: { kind: "channel", name: "testing-print" } });
    expect(entry!.message(5000)).toStrictEqual({ type: "test.print", message: { testing: "one" } });
    expect(entry!.next(Date.UTC(2026, 0, 1, 0, 0, 3))).toBe(Date.UTC(2026, 0, 1, 0, 0, 5));
  });

  it("reads seconds, durations and cron strings, names entries <channel>#<index>, and keeps the other keys", () => {
    const entries = planSchedule({
      "testing-print": [
        { type: "test.print", message: { testing: "two" }, schedule: "0 3 * * 1" },
        { type: "test.print", schedule: 0.5, text: "half", n: [1, { deep: null }] },
        { type: "test.print", schedule: "10m" },
        { type: "test.print", schedule: "*/5 * * * * *" },
      ],
      other: [{ type: "report.due", schedule: 60 }],
    });
    expect(entries.map((e) => [e.name, e.when])).toEqual([
      ["testing-print#0", "cron 0 3 * * 1"],
      ["testing-print#1", "every 500ms"],
      ["testing-print#2", "every 10m"],
      ["testing-print#3", "cron */5 * * * * *"],
      ["other#0", "every 60s"],
    ]);
    expect(entries[1]!.message(0)).toStrictEqual({ type: "test.print", text: "half", n: [1, { deep: null }] });
    expect(entries[2]!.message(0)).toStrictEqual({ type: "test.print" });
    const monday3am = new Date(2026, 0, 5, 3, 0, 0).getTime(); // 5 January 2026 is a Monday
    expect(entries[0]!.next(new Date(2026, 0, 1, 12, 0, 0).getTime())).toBe(monday3am);
    expect(entries[1]!.next(1_000_100)).toBe(1_000_500);
  });

  it("gives the same message object at every tick, frozen, and a copy of the file's", () => {
    const file = { c: [{ type: "t", message: { a: 1 }, schedule: 1 }] };
    const [entry] = planSchedule(file);
    const first = entry!.message(1000);
    expect(entry!.message(2000)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.message)).toBe(true);
    file.c[0]!.message.a = 2;
    expect(first).toStrictEqual({ type: "t", message: { a: 1 } });
  });

  it("mixes both shapes key by key", () => {
    const entries = planSchedule({
      report: { group: "ops", type: "report.due", cron: "*/5 * * * *" },
      "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: 5 }],
    });
    expect(entries.map((e) => `${e.name} ${e.shape} ${e.target.kind} ${e.target.name}`)).toEqual([
      "report named group ops",
      "testing-print#0 beatserver channel testing-print",
    ]);
    expect(entries[0]!.message(300_000)).toStrictEqual({ type: "report.due", name: "report", ts: 300_000, payload: {} });
  });

  it.each<[string, unknown, string, RegExp]>([
    ["a key that is no channel name", { "bad channel": [{ type: "t", schedule: 1 }] }, "bad channel", /holds a list of beatserver entries, so it must be a channel name/],
    ["an entry that is not an object", { c: ["t"] }, "c#0", /must be an object \{"type": …, "schedule": …/],
    ["a missing type", { c: [{ schedule: 1 }] }, "c#0", /`type` must be a message type .* \(got nothing\)/],
    ["a type no handler can have", { c: [{ type: "test print", schedule: 1 }] }, "c#0", /`type` must be a message type/],
    ["a missing schedule", { c: [{ type: "t" }] }, "c#0", /needs `schedule`: seconds as a number \(5\), a duration \("5s"\) or a cron expression/],
    ["`every` instead of `schedule`", { c: [{ type: "t", every: "5s" }] }, "c#0", /`every` and `cron` are for named entries/],
    ["seconds written as a string", { c: [{ type: "t", schedule: "5" }] }, "c#0", /`schedule` "5" is a string: write seconds as a number \(5\) or a duration \("5s"\)/],
    ["too short an interval", { c: [{ type: "t", schedule: 0.05 }] }, "c#0", /`schedule` must be at least 0.1 seconds \(got 0.05\)/],
    ["too short a duration", { c: [{ type: "t", schedule: "50ms" }] }, "c#0", /`schedule` must be at least 100ms/],
    ["a negative interval", { c: [{ type: "t", schedule: -5 }] }, "c#0", /at least 0.1 seconds/],
    ["a schedule of the wrong kind", { c: [{ type: "t", schedule: true }] }, "c#0", /`schedule` must be seconds as a number \(5\), a duration .* or a cron expression .* \(got true\)/],
    ["an unknown unit", { c: [{ type: "t", schedule: "1d" }] }, "c#0", /`schedule` "1d" is not a duration: use whole ms, s, m or h/],
    ["a bad cron string", { c: [{ type: "t", schedule: "every tuesday" }] }, "c#0", /`schedule` "every tuesday" is neither a duration nor a cron expression/],
    ["a message JSON cannot carry", { c: [{ type: "t", schedule: 1, message: { f: () => 1 } }] }, "c#0", /`message.f` is a function, which JSON cannot carry/],
    ["NaN in the message", { c: [{ type: "t", schedule: 1, message: { n: [Number.NaN] } }] }, "c#0", /`message.n\[0\]` is NaN/],
    ["a name already taken by a named entry", { "c#0": { type: "t", group: "g", every: "1s" }, c: [{ type: "t", schedule: 1 }] }, "c#0", /is defined twice/],
    ["the second entry bad, naming it", { c: [{ type: "t", schedule: 1 }, { type: "t", schedule: "soon" }] }, "c#1", /"soon" is neither/],
  ])("refuses %s, naming the entry", (_label, schedule, name, problem) => {
    const plan = () => planSchedule(schedule as Schedule);
    expect(plan).toThrow(ScheduleError);
    expect(plan).toThrow(`beat schedule: entry ${JSON.stringify(name)}: `);
    expect(plan).toThrow(problem);
  });

  it("file entries replace the modules' by entry name; a beatserver list never replaces a named entry of its key", () => {
    const modules: Schedule = { clock: { group: "clock", type: "server.time", every: "1s" }, report: { group: "ops", type: "r", every: "1h" } };
    const entries = planSchedule(modules, { clock: [{ type: "tick", schedule: 2 }], report: { group: "ops", type: "r", every: "5m" } });
    expect(entries.map((e) => `${e.name} ${e.when}`)).toEqual(["clock every 1s", "report every 5m", "clock#0 every 2s"]);
  });

  it("loads either shape from a JSON file or a .mjs module, and refuses a file that holds no object", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-schedule-"));
    writeFileSync(join(dir, "tutorial.json"), JSON.stringify(TUTORIAL));
    writeFileSync(join(dir, "tutorial.mjs"), `export default ${JSON.stringify(TUTORIAL)};`);
    writeFileSync(join(dir, "list.json"), JSON.stringify([{ type: "test.print", schedule: 5 }]));
    writeFileSync(join(dir, "broken.json"), "{");
    for (const file of ["tutorial.json", "tutorial.mjs"]) {
      expect(await loadSchedule(join(dir, file))).toStrictEqual(TUTORIAL);
    }
    expect(await loadSchedule(undefined)).toStrictEqual({});
    await expect(loadSchedule(join(dir, "list.json"))).rejects.toThrow(/entry "\(file\)": .*list.json must hold an object: names → .* \(got a list\)/);
    await expect(loadSchedule(join(dir, "broken.json"))).rejects.toThrow(/entry "\(file\)": cannot load .*broken.json/);
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

  it("sends a beatserver entry to its channel as the tutorial's consumer reads it: {type, message}, nothing else", async () => {
    const layer = new InMemoryChannelLayer();
    const beat = new Beat({ entries: planSchedule({ "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: 0.2 }] }), layer, election: new SoleLeader() });
    await beat.start();
    const first = await layer.receive("testing-print", { signal: AbortSignal.timeout(2000) });
    const second = await layer.receive("testing-print", { signal: AbortSignal.timeout(2000) });
    await beat.stop();
    expect(first).toStrictEqual({ type: "test.print", message: { testing: "one" } });
    expect(second).toStrictEqual(first);
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
