// Lobby: type a room name, Enter or the button goes to /chat/<room>/.
const form = document.getElementById("room-form");
const input = document.getElementById("room-name-input");
const error = document.getElementById("room-name-error");
const ROOM = /^[A-Za-z0-9_-]{1,80}$/;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = input.value.trim();
  if (!ROOM.test(room)) {
    error.textContent = "Room names are 1–80 letters, digits, _ or -.";
    error.hidden = false;
    return;
  }
  window.location.pathname = `/chat/${room}/`;
});
