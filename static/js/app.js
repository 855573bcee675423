// Expand or collapse a row of the area tree; htmx loads the children on first open.
function liaisonToggle(button, targetId) {
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.textContent = open ? "▾" : "▸";
  document.getElementById(targetId).classList.toggle("d-none", !open);
}

// A header checkbox with data-check-all="name" ticks or clears every checkbox of that name.
document.addEventListener("change", function (event) {
  var name = event.target.getAttribute("data-check-all");
  if (!name) return;
  var form = event.target.closest("form");
  form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
});
