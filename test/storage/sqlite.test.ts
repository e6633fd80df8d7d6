import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStores } from "./store-suite.js";

describeStores("SQLite", async () => `sqlite:${join(mkdtempSync(join(tmpdir(), "sb-store-")), "db.sqlite")}`);
