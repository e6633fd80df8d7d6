// Lobby (/chat/): type a room name, Enter or the button goes to /chat/<room>/. The rule is
// the server's (src/apps/chat/rooms.ts ROOM_NAME), checked on the NFC form, as the server
// does. Below it, the beat's clock and latest message.
import { showAccount } from "./parts/account-bar.js";
import { startBeat } from "./parts/beat.js";
import { startClock } from "./parts/clock.js";
import { byId } from "./parts/dom.js";
import { t } from "./parts/i18n.js";

const ROOM = /^[\p{L}\p{N}_.-][\p{L}\p{M}\p{N}_.-]{0,99}$/u;

const form = byId("room-form", HTMLFormElement);
const input = byId("room-name-input", HTMLInputElement);
const error = byId("room-name-error");

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = input.value.trim().normalize("NFC");
  if (!ROOM.test(room) || room === "." || room === "..") {
    error.textContent = t("lobby.bad_name");
    error.hidden = false;
    return;
  }
  window.location.pathname = `/chat/${encodeURIComponent(room)}/`;
});

void showAccount();
startClock();
startBeat();
