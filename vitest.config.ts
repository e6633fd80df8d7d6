import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));
/** Builds the pages' hashed scripts before any test (absent from a scaffold's project copy: test/cli/startapp.test.ts). */
const webBuild = fileURLToPath(new URL("./test/helpers/web-bundle.ts", import.meta.url));

export default defineConfig({
  // The package's own name, as docs and examples import it, maps to the sources under test.
  resolve: {
    alias: [
      { find: /^switchboard\/client$/, replacement: src("client/index.ts") },
      { find: /^switchboard\/testing$/, replacement: src("core/testing/index.ts") },
      { find: /^switchboard$/, replacement: src("core/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: existsSync(webBuild) ? [webBuild] : [],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: ["default"],
  },
});
