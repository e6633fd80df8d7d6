import { createHash } from "node:crypto";
import { GROUP_NAME_RULE, MAX_NAME_LENGTH } from "../../core/index.js";
// The tutorial's names, as /ws/notify/ has them, in this route's own namespace below.
import { groupChannel, userChannel } from "../../protocol/groups.js";


/**
 * The layer group for one of the tutorial's names, in this route's own namespace: `gps_`
 * before a name the layer accepts as it is (`gps_channel_fleet`, `gps_user_42`), else
 * `gpsh_` and the SHA-256 of the name in base64url (`channel_测试`, a `uid` with `|` in it,
 * an over-long name). The two forms cannot meet (`gps_` vs `gpsh_`), and neither can a name
 * of `/ws/notify/` (`channel_…`, `user_…`): another service's `group_name` or `uid` never
 * lands in one of our users' groups, whose messages its consumer would not understand.
 */
function layerGroup(name: string): string {
  const plain = `gps_${name}`;
  if (plain.length < MAX_NAME_LENGTH && GROUP_NAME_RULE.test(plain)) return plain;
  return `gpsh_${createHash("sha256").update(name, "utf8").digest("base64url")}`;
}

/** The group every socket of a token's `group_name` joins: `channel_<group_name>` in the layer's `gps_` space. */
export const gpsGroup = (groupName: string): string => layerGroup(groupChannel(groupName));

/** One member's sockets (every tab, any node), by `uid`: `7` and `"7"` are the same member. */
export const gpsMember = (uid: number | string): string => layerGroup(userChannel(String(uid)));
