// Expand or collapse a row of the area tree; htmx loads the children on first open.
function liaisonToggle(button, targetId) {
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.textContent = open ? "▾" : "▸";
  document.getElementById(targetId).classList.toggle("d-none", !open);
}
