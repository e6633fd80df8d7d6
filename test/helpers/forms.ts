/** A browser's cookie jar, as a `Cookie` header, for tests that walk the account forms with fetch. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes every `Set-Cookie` of `response`. */
  take(response: Response): this {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return this;
  }

  set(name: string, value: string): this {
    this.#cookies.set(name, value);
    return this;
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** Opens a form page and returns its CSRF token (the hidden `csrf` field), the jar taking the cookies. */
export async function openForm(base: string, path: string, jar: CookieJar): Promise<string> {
  const response = await fetch(base + path, { headers: { cookie: jar.header() } });
  jar.take(response);
  const token = /name="csrf" value="([^"]+)"/.exec(await response.text())?.[1];
  if (!token) throw new Error(`no csrf field on ${path}`);
  return token;
}

/** Posts a form as a browser on the same site would (same Origin), returning the response unread. */
export async function postForm(base: string, path: string, jar: CookieJar, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(base + path, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), origin: base, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  jar.take(response);
  return response;
}

/** Signs up through the real form (a session starts); resolves with the jar holding the session cookie. */
export async function signUp(base: string, username: string, password = "correct horse battery staple"): Promise<CookieJar> {
  const jar = new CookieJar();
  const csrf = await openForm(base, "/accounts/signup/", jar);
  const response = await postForm(base, "/accounts/signup/", jar, { csrf, username, email: `${username}@example.com`, password });
  if (response.status !== 303) throw new Error(`sign-up of ${username} answered ${response.status}: ${await response.text()}`);
  return jar;
}
