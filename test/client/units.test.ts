import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/client/index.js";
import { ResumeTracker } from "../../src/client/resume.js";
import { SendQueue } from "../../src/client/send-queue.js";
import { isPresenceFrame, Roster } from "../../src/client/presence.js";

type Line = { id: number; message: string };
const line = (id: number): Line => ({ id, message: `m${id}` });
const ids = (lines: Line[]): number[] => lines.map((l) => l.id);

describe("backoffDelay", () => {
  it("doubles from 500 ms up to the 30 s cap, with the last half random", () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, {}, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, {}, () => 1)).toBe(30_000);
    expect(backoffDelay(0, {}, () => 0)).toBe(250);
    expect(backoffDelay(3, { initialMs: 100, factor: 3, maxMs: 1000, jitter: 0 }, () => 0.7)).toBe(1000);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    expect(spread.size).toBeGreaterThan(10);
    for (const d of spread) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });
});

describe("SendQueue", () => {
  it("keeps up to its limit, in order, and refuses beyond it", () => {
    const q = new SendQueue<string>(2);
    expect([q.push("a"), q.push("b"), q.push("c")]).toEqual([true, true, false]);
    expect(q.drain()).toEqual(["a", "b"]);
    expect(q.size).toBe(0);
    expect(() => new SendQueue(-1)).toThrow(RangeError);
  });
});

describe("ResumeTracker", () => {
  it("delivers live lines once each, dropping ids already given", () => {
    const t = new ResumeTracker<Line>(5, 20);
    expect(ids(t.accept(line(4)))).toEqual([]);
    expect(ids(t.accept(line(6)))).toEqual([6]);
    expect(ids(t.accept(line(6)))).toEqual([]);
    expect(t.lastId).toBe(6);
  });

  it("holds live lines during a resume and merges them with history in id order", () => {
    const t = new ResumeTracker<Line>(2, 20);
    expect(t.begin()).toBe(2);
    // A live line overtakes the history page; history then repeats it.
    for (const id of [9, 3, 4, 9]) expect(t.accept(line(id))).toEqual([]);
    const end = t.pageEnd({ type: "history.end", after: 2, lastId: 4, complete: true });
    expect(ids(end.frames)).toEqual([3, 4, 9]);
    expect(end.next).toBeNull();
    expect(end.result).toEqual({ after: 2, lastId: 4, complete: true, pages: 1 });
    expect(t.resuming).toBe(false);
  });

  it("asks for the next page while the server says more remain, releasing only what each page covers", () => {
    const t = new ResumeTracker<Line>(0, 20);
    t.begin();
    for (const id of [1, 2, 50]) t.accept(line(id)); // 50 is live, beyond page one
    const one = t.pageEnd({ type: "history.end", after: 0, lastId: 2, complete: false });
    expect(ids(one.frames)).toEqual([1, 2]);
    expect(one.next).toBe(2);
    for (const id of [3, 50]) t.accept(line(id));
    const two = t.pageEnd({ type: "history.end", after: 2, lastId: 50, complete: true });
    expect(ids(two.frames)).toEqual([3, 50]);
    expect(two.result?.complete).toBe(true);
  });

  it("reports a gap when it gives up after maxPages, or when the request is refused", () => {
    const t = new ResumeTracker<Line>(0, 1);
    t.begin();
    t.accept(line(1));
    t.accept(line(900)); // live
    const end = t.pageEnd({ type: "history.end", after: 0, lastId: 1, complete: false });
    expect(ids(end.frames)).toEqual([1, 900]);
    expect(end.result).toEqual({ after: 0, lastId: 1, complete: false, pages: 1 });

    const refused = new ResumeTracker<Line>(10, 5);
    refused.begin();
    refused.accept(line(12));
    const failed = refused.fail();
    expect(ids(failed.frames)).toEqual([12]);
    expect(failed.result.complete).toBe(false);
  });

  it("ignores the end of a page that arrives after the resume was given up", () => {
    const t = new ResumeTracker<Line>(0, 5);
    t.begin();
    t.accept(line(4));
    t.fail();
    expect(t.pageEnd({ type: "history.end", after: 0, lastId: 4, complete: true })).toEqual({ frames: [], next: null, result: null });
    expect(t.lastId).toBe(4);
  });

  it("drops held live lines when the socket closes mid-resume (the next resume fetches them)", () => {
    const t = new ResumeTracker<Line>(0, 5);
    t.begin();
    t.accept(line(7));
    t.abort();
    expect(t.lastId).toBe(0);
    expect(ids(t.accept(line(8)))).toEqual([8]);
  });
});

describe("Roster", () => {
  it("follows presence, join and leave frames", () => {
    const r = new Roster();
    r.apply({ type: "presence", members: [{ id: "b", user: "zed" }, { id: "a", user: "amy" }] });
    r.apply({ type: "presence.join", member: { id: "c", user: "bob" } });
    r.apply({ type: "presence.leave", member: { id: "b" } });
    expect(r.list().map((m) => m.user)).toEqual(["amy", "bob"]);
    expect(r.count).toBe(2);
    r.clear();
    expect(r.list()).toEqual([]);
    expect(r.count).toBe(0);
  });

  it("applies a snapshot, then diffs (leaves before joins), taking the server's count", () => {
    const r = new Roster();
    r.apply({ type: "presence", members: [{ id: "a", user: "amy" }, { id: "b", user: "bob" }], count: 2 });
    expect(r.count).toBe(2);
    expect(r.partial).toBe(false);
    r.apply({ type: "presence.diff", joins: [{ id: "c", user: "cid" }], leaves: ["a", "never-seen"], count: 2 });
    expect(r.list().map((m) => m.id)).toEqual(["b", "c"]);
    // A member that left and came back within one tick (in both lists) is present.
    r.apply({ type: "presence.diff", joins: [{ id: "b", user: "bob2" }], leaves: ["b"], count: 2 });
    expect(r.list()).toEqual([{ id: "b", user: "bob2" }, { id: "c", user: "cid" }]);
    expect(r.count).toBe(2);
  });

  it("keeps a truncated list as a sample with the exact count, until a whole snapshot", () => {
    const r = new Roster();
    r.apply({ type: "presence", members: [{ id: "a", user: "amy" }], count: 5000, truncated: true });
    expect(r.partial).toBe(true);
    expect(r.count).toBe(5000);
    r.apply({ type: "presence.diff", joins: [{ id: "z", user: "zed" }], leaves: [], count: 5001 });
    expect(r.count).toBe(5001);
    expect(r.partial).toBe(true);
    expect(r.list()).toHaveLength(2);
    r.apply({ type: "presence.diff", joins: [], leaves: ["a"], count: 4000, truncated: true, joined: 0, left: 1001 });
    expect([r.count, r.partial, r.list().length]).toEqual([4000, true, 1]);
    r.apply({ type: "presence", members: [{ id: "q", user: "q" }], count: 1 });
    expect([r.count, r.partial, r.list().length]).toEqual([1, false, 1]);
  });

  it("tells presence frames from others by their shape", () => {
    expect(isPresenceFrame({ type: "presence", members: [] })).toBe(true);
    expect(isPresenceFrame({ type: "presence.diff", joins: [], leaves: [] })).toBe(true);
    expect(isPresenceFrame({ type: "presence.join", member: { id: "a", user: "a" } })).toBe(true);
    expect(isPresenceFrame({ type: "presence.diff", joins: [] })).toBe(false);
    expect(isPresenceFrame({ type: "presence" })).toBe(false);
    expect(isPresenceFrame({ type: "history.end" })).toBe(false);
  });
});
