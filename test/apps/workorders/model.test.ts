import { describe, expect, it } from "vitest";
import { TransitionError, nextState, type Actor, type OrderAction, type OrderState } from "../../../src/apps/workorders/states.js";
import { TemplateError, expandTemplate, validateParams, validateTemplate } from "../../../src/apps/workorders/template.js";

const step = (name: string, needs: string[] = []) => ({ name, command: ["true"], needs });

describe("pipeline templates", () => {
  it("accepts a DAG and rejects a cycle, naming a step in it", () => {
    expect(validateTemplate({ name: "ok", params: {}, steps: [step("a"), step("b", ["a"])] }).steps).toHaveLength(2);
    expect(() => validateTemplate({ name: "loop", params: {}, steps: [step("a", ["c"]), step("b", ["a"]), step("c", ["b"])] })).toThrow(/step a: is in a cycle: a → c → b → a/);
    expect(() => validateTemplate({ name: "self", params: {}, steps: [step("a", ["a"])] })).toThrow(/cycle/);
  });

  it("rejects an unknown dependency with the step's name", () => {
    expect(() => validateTemplate({ name: "x", params: {}, steps: [step("build", ["fetch"])] })).toThrow("step build: needs unknown step fetch");
  });

  it.each([
    [{ name: "x", params: {}, steps: [] }, /at least one step/],
    [{ name: "x", params: {}, steps: [{ name: "a", command: "rm -rf /" }] }, /array of strings/],
    [{ name: "x", params: {}, steps: [step("a"), step("a")] }, /defined twice/],
    [{ name: "x", params: { PATH: { pattern: "^x$" } }, steps: [step("a")] }, /reserved/],
    [{ name: "x", params: { COMMIT: { pattern: "[0-9a-f]+" } }, steps: [step("a")] }, /anchored/],
    [{ name: "x", params: {}, steps: [{ ...step("a"), timeoutSeconds: 0 }] }, /timeoutSeconds/],
  ])("rejects a bad template %#", (raw, problem) => {
    expect(() => validateTemplate(raw)).toThrow(TemplateError);
    expect(() => validateTemplate(raw)).toThrow(problem);
  });

  it("validates parameters against their patterns; metacharacters are refused", () => {
    const t = validateTemplate({ name: "p", params: { COMMIT: { pattern: "^[0-9a-f]{7,40}$" }, SERVERS: { pattern: "^[1-9]$", default: "3" } }, steps: [step("a")] });
    expect(validateParams(t, { COMMIT: "abc1234" })).toEqual({ COMMIT: "abc1234", SERVERS: "3" });
    expect(() => validateParams(t, { COMMIT: "abc1234; rm -rf /" })).toThrow("parameter COMMIT: must match ^[0-9a-f]{7,40}$");
    expect(() => validateParams(t, { COMMIT: "$(reboot)" })).toThrow(/must match/);
    expect(() => validateParams(t, {})).toThrow("parameter COMMIT: is required");
    expect(() => validateParams(t, { COMMIT: "abc1234", EXTRA: "x" })).toThrow("parameter EXTRA: is not declared");
  });
});

describe("work order state machine", () => {
  const requester: Actor = { id: 1, isApprover: false, isSuperuser: false };
  const approver: Actor = { id: 2, isApprover: true, isSuperuser: false };
  const selfApprover: Actor = { id: 1, isApprover: true, isSuperuser: false };
  const stranger: Actor = { id: 3, isApprover: false, isSuperuser: false };
  const system: Actor = { id: null, isApprover: false, isSuperuser: false, system: true };
  const go = (state: OrderState, action: OrderAction, actor: Actor) => nextState(state, action, actor, 1);

  it("walks the happy path", () => {
    expect(go("draft", "submit", requester)).toBe("pending_approval");
    expect(go("pending_approval", "approve", approver)).toBe("approved");
    expect(go("approved", "start", system)).toBe("running");
    expect(go("running", "succeed", system)).toBe("succeeded");
    expect(go("running", "fail", system)).toBe("failed");
    expect(go("failed", "retry", requester)).toBe("running");
    expect(go("pending_approval", "reject", approver)).toBe("rejected");
    expect(go("running", "cancel", approver)).toBe("cancelled");
  });

  it.each<[OrderState, OrderAction, Actor, TransitionError["code"]]>([
    ["pending_approval", "approve", selfApprover, "forbidden"],
    ["pending_approval", "reject", selfApprover, "forbidden"],
    ["pending_approval", "approve", stranger, "forbidden"],
    ["pending_approval", "approve", requester, "forbidden"],
    ["draft", "submit", approver, "forbidden"],
    ["approved", "start", approver, "forbidden"],
    ["running", "cancel", stranger, "forbidden"],
    ["draft", "approve", approver, "invalid_transition"],
    ["succeeded", "retry", requester, "invalid_transition"],
    ["rejected", "approve", approver, "invalid_transition"],
    ["cancelled", "retry", approver, "invalid_transition"],
    ["succeeded", "cancel", requester, "invalid_transition"],
    ["failed", "approve", approver, "invalid_transition"],
  ])("refuses %s → %s by %o", (state, action, actor, code) => {
    let error: unknown;
    try {
      go(state, action, actor);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransitionError);
    expect((error as TransitionError).kind).toBe(code);
  });

  it("lets a superuser approve someone else's order", () => {
    expect(go("pending_approval", "approve", { id: 9, isApprover: false, isSuperuser: true })).toBe("approved");
  });
});

describe("fan-out steps (forEach)", () => {
  const template = () =>
    validateTemplate({
      name: "fan",
      params: { SERVERS: { pattern: "^([1-9]|1[0-9]|20)$", default: "3" } },
      steps: [
        { name: "build", command: ["true"] },
        { name: "upload", forEach: "SERVERS", command: ["sh", "-c", "echo $ITEM"], needs: ["build"] },
        { name: "restart", forEach: "SERVERS", command: ["true"], needs: ["upload"] },
        { name: "announce", command: ["true"], needs: ["restart"] },
      ],
    });

  it("expands a step per server, index-wise across fanned-out steps, all of them for a plain step", () => {
    const expanded = expandTemplate(template(), { SERVERS: "4" });
    expect(expanded.steps.map((s) => s.name)).toEqual(["build", "upload-1", "upload-2", "upload-3", "upload-4", "restart-1", "restart-2", "restart-3", "restart-4", "announce"]);
    expect(expanded.steps.find((s) => s.name === "restart-3")!.needs).toEqual(["upload-3"]);
    expect(expanded.steps.find((s) => s.name === "upload-2")!.needs).toEqual(["build"]);
    expect(expanded.steps.find((s) => s.name === "announce")!.needs).toEqual(["restart-1", "restart-2", "restart-3", "restart-4"]);
    expect(expanded.steps.find((s) => s.name === "upload-2")!.command).toEqual(["env", "ITEM=2", "sh", "-c", "echo $ITEM"]);
    expect(expandTemplate(template(), { SERVERS: "20" }).steps.filter((s) => s.name.startsWith("upload-"))).toHaveLength(20);
  });

  it("refuses a count out of 1–20 and a forEach naming no parameter", () => {
    expect(() => validateParams({ ...template(), params: { SERVERS: { pattern: "^[0-9]+$" } } }, { SERVERS: "21" })).toThrow(/whole number 1–20/);
    expect(() => validateParams({ ...template(), params: { SERVERS: { pattern: "^[0-9]+$" } } }, { SERVERS: "0" })).toThrow(/whole number 1–20/);
    expect(() => validateTemplate({ name: "x", params: {}, steps: [{ name: "a", forEach: "NOPE", command: ["true"] }] })).toThrow(/forEach must name a parameter/);
  });
});
