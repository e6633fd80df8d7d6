import { describe, expect, it } from "vitest";
import { assetEntries } from "../../src/web/manifest.js";
import { hashAssetNames, readPage } from "../../src/web/pages.js";

describe("readPage names the build's hashed files", () => {
  const entries = { "room.js": "room-3F2A9C7D.js", "style.css": "style-L2BFX36Y.css" };

  it("replaces each /assets/<entry> in src and href, and only those", () => {
    const html = '<link rel="stylesheet" href="/assets/style.css"><script type="module" src="/assets/room.js"></script><a href="/static/room.js">x</a>';
    expect(hashAssetNames(html, entries)).toBe('<link rel="stylesheet" href="/assets/style-L2BFX36Y.css"><script type="module" src="/assets/room-3F2A9C7D.js"></script><a href="/static/room.js">x</a>');
  });

  it("leaves a name the build does not have as it is (it then answers 404 saying what to run)", () => {
    expect(hashAssetNames('<script src="/assets/nope.js"></script>', entries)).toBe('<script src="/assets/nope.js"></script>');
    expect(hashAssetNames('<script src="/assets/toString"></script>', entries)).toBe('<script src="/assets/toString"></script>');
    expect(hashAssetNames('<script src="/assets/room.js"></script>', {})).toBe('<script src="/assets/room.js"></script>');
  });

  it("the pages read from src/web name this build's files", () => {
    const built = assetEntries();
    expect(readPage("room.html")).toContain(`<script type="module" src="/assets/${built["room.js"]}"></script>`);
    expect(readPage("lobby.html")).toContain(`<link rel="stylesheet" href="/assets/${built["style.css"]}">`);
    expect(readPage("graphql.html")).toContain(`src="/assets/${built["account.js"]}"`);
  });
});
