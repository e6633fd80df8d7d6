import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMON_PASSWORDS_CHECKED, isCommonPassword } from "../../src/auth/common-passwords.js";
import { PASSWORD_MAX_LENGTH, passwordProblem } from "../../src/auth/passwords.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CookieJar, openForm, postForm } from "../helpers/forms.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const TOO_COMMON = "password is too common (one of the 10,000 most used passwords): choose another";

describe("passwords follow NIST SP 800-63B", () => {
  it("at least 8 characters by default, each Unicode code point one, at most 1024", () => {
    expect(passwordProblem("seven77")).toBe("password must be at least 8 characters");
    expect(passwordProblem("octopus8")).toBeNull();
    // Eight code points, sixteen UTF-16 units: counted as eight; seven are too few.
    expect(passwordProblem("🐙🦑🐚🦀🐟🐠🐡🦈")).toBeNull();
    expect(passwordProblem("🐙🦑🐚🦀🐟🐠🐡")).toBe("password must be at least 8 characters");
    expect(passwordProblem("x".repeat(7) + "y".repeat(57))).toBeNull(); // 64: NIST's minimum maximum
    expect(passwordProblem("ab".repeat(PASSWORD_MAX_LENGTH / 2))).toBeNull();
    expect(passwordProblem("ab".repeat(PASSWORD_MAX_LENGTH / 2) + "c")).toBe(`password must be at most ${PASSWORD_MAX_LENGTH} characters`);
    expect(passwordProblem("only-eleven", "", 12)).toBe("password must be at least 12 characters");
  });

  it("refuses the most common passwords, in any case, with a clear message", () => {
    expect(COMMON_PASSWORDS_CHECKED).toBe(10_000);
    for (const common of ["password", "Password", "PASSWORD1", "iloveyou", "sunshine", "qwertyuiop", "baseball", "trustno1", "1qaz2wsx", "11111111"]) {
      expect(passwordProblem(common), common).toBe(TOO_COMMON);
    }
    expect(isCommonPassword("correct horse battery staple")).toBe(false);
    expect(isCommonPassword("123456")).toBe(true); // in the list, though too short anyway
  });

  it("refuses one character repeated and straight runs", () => {
    for (const easy of ["zzzzzzzzzz", "ÄÄÄÄÄÄÄÄ", "23456789ab".slice(0, 8), "hgfedcba", "abcdefghij", "9876543210"]) {
      expect(passwordProblem(easy), easy).toMatch(/too (easy to guess|common)/);
    }
    expect(passwordProblem("qrstuvwx")).toBe("password is too easy to guess (one character repeated, or a run like 12345678 or abcdefgh): choose another");
    expect(passwordProblem("abcdefgz")).toBeNull(); // a run that breaks is not one
  });

  it("refuses the username (and a password containing it) and the service's name", () => {
    expect(passwordProblem("grace-is-my-password", "grace")).toBe("password must not contain the username");
    expect(passwordProblem("MargaretHamilton", "margarethamilton")).toBe("password must not contain the username");
    expect(passwordProblem("pw-long-enough", "pw")).toBeNull(); // a name under 4 characters only when it is the whole password
    expect(passwordProblem("Switchboard")).toBe("password must not be the name of the service");
  });

  it("has no composition rules: lowercase only, digits only, spaces and any script are fine", () => {
    for (const fine of ["correct horse battery staple", "tulpenzwiebel", "73049261", "pässwörter sind gut", "密码要长一点才安全", "     a     "]) {
      expect(passwordProblem(fine), fine).toBeNull();
    }
  });
});

describe("PASSWORD_MIN_LENGTH", () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "sb-pw-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("defaults to 8, takes 8–128, and refuses anything else at start", () => {
    expect(loadConfig({ DATA_DIR: dir() }).passwordMinLength).toBe(8);
    expect(loadConfig({ DATA_DIR: dir(), PASSWORD_MIN_LENGTH: "15" }).passwordMinLength).toBe(15);
    for (const bad of ["7", "129", "ten", "8.5"]) {
      const attempt = () => loadConfig({ DATA_DIR: dir(), PASSWORD_MIN_LENGTH: bad });
      expect(attempt, bad).toThrow(ConfigError);
      expect(attempt, bad).toThrow(`PASSWORD_MIN_LENGTH must be a whole number 8–128 (got ${JSON.stringify(bad)})`);
    }
  });

  describe("in a running server (PASSWORD_MIN_LENGTH=12)", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ PASSWORD_MIN_LENGTH: "12" });
    });
    afterAll(async () => server?.close());

    const createUser = async (username: string, password: string): Promise<string> => {
      const res = await fetch(`${server.url}/graphql/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `mutation ($u: String!, $p: String!) { createUser(username: $u, email: "x@example.com", password: $p) { msg } }`, variables: { u: username, p: password } }),
      });
      return ((await res.json()) as { data: { createUser: { msg: string } } }).data.createUser.msg;
    };

    it("GraphQL createUser and the sign-up form apply it, and the form says so", async () => {
      expect(await createUser("eleven", "elevenchars")).toBe("password must be at least 12 characters");
      expect(await createUser("dozen", "twelve chars")).toBe("user dozen created");
      const jar = new CookieJar();
      const page = await (await fetch(`${server.url}/accounts/signup/`)).text();
      expect(page).toContain("Password (12 characters or more; not a common one)");
      expect(page).toMatch(/name="password" type="password" value="" required minlength="12" maxlength="1024"/);
      const csrf = await openForm(server.url, "/accounts/signup/", jar);
      const refused = await postForm(server.url, "/accounts/signup/", jar, { csrf, username: "formuser", email: "f@example.com", password: "iloveyou" });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("password must be at least 12 characters");
      const csrf2 = await openForm(server.url, "/accounts/signup/", jar);
      const common = await postForm(server.url, "/accounts/signup/", jar, { csrf: csrf2, username: "formuser", email: "f@example.com", password: "LeaveMeAlone" });
      expect(common.status).toBe(400);
      expect(await common.text()).toContain(TOO_COMMON);
    });
  });
});
