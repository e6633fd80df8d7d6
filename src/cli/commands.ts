import type { Command } from "./command.js";
import { beat } from "./beat.js";
import { createsuperuser } from "./createsuperuser.js";
import { dumpdata, flush, loaddata, showmigrations } from "./data.js";
import { dbshell } from "./dbshell.js";
import { layerCheck } from "./layer-check.js";
import { migrate } from "./migrate.js";
import { runworker } from "./runworker.js";
import { roles } from "./roles.js";
import { serve } from "./serve.js";
import { shell } from "./shell.js";
import { startapp } from "./startapp.js";
import { users } from "./users.js";
import { workorders } from "./workorders.js";

/** Every command, by name. */
export const commands: Record<string, Command> = {
  serve,
  migrate,
  showmigrations,
  flush,
  shell,
  dbshell,
  dumpdata,
  loaddata,
  "layer-check": layerCheck,
  beat,
  createsuperuser,
  users,
  roles,
  workorders,
  runworker,
  startapp,
};
