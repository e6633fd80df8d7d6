// Lobby: type a room name, Enter or the button goes to /chat/<room>/. The rule is the
// server's (src/apps/chat/rooms.ts ROOM_NAME), checked on the NFC form, as the server does.
const form = document.getElementById("room-form");
const input = document.getElementById("room-name-input");
const error = document.getElementById("room-name-error");
const ROOM = /^[\p{L}\p{N}_.-][\p{L}\p{M}\p{N}_.-]{0,99}$/u;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = input.value.trim().normalize("NFC");
  if (!ROOM.test(room) || room === "." || room === "..") {
    error.textContent = "Room names are 1–100 letters (any script), digits, _, . or -.";
    error.hidden = false;
    return;
  }
  window.location.pathname = `/chat/${encodeURIComponent(room)}/`;
});
