// The account bar alone, for pages with no script of their own here: the GraphQL explorer,
// and the pages of apps made with `switchboard startapp` (`/assets/account.js`).
import { showAccount } from "./parts/account-bar.js";

void showAccount();
