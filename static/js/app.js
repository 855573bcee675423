// The page's behaviour lives here, never in the markup: the Content-Security-Policy
// (settings.SECURE_CSP) runs no inline script and no onclick= / onchange= handler.

// Expand or collapse a row of the area tree (data-toggle-rows="ID"); htmx loads the children
// on first open.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-toggle-rows]");
  if (!button) return;
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.textContent = open ? "▾" : "▸";
  document.getElementById(button.getAttribute("data-toggle-rows")).classList.toggle("d-none", !open);
});

// A button with data-print prints the page.
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});

// A select with data-autosubmit sends its form when another option is chosen.
document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});

// A header checkbox with data-check-all="name" ticks or clears every checkbox of that name.
document.addEventListener("change", function (event) {
  var name = event.target.getAttribute("data-check-all");
  if (!name) return;
  var form = event.target.closest("form");
  form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
});

// The duty-day date: a date before the picker's `min` (the edit window) or after its `max`
// (today) shows why it cannot be logged at once, and the form waits for another date.
function liaisonCheckDutyDate(input) {
  var value = input.value;
  var early = !!(value && input.min && value < input.min);
  var late = !!(value && input.max && value > input.max);
  var locked = document.getElementById("date-locked");
  var future = document.getElementById("date-future");
  if (locked) locked.hidden = !early;
  if (future) future.hidden = !late;
  input.classList.toggle("is-invalid", early || late);
  var button = input.form && input.form.querySelector("button[type=submit]");
  if (button) button.disabled = early || late;
}
["input", "change"].forEach(function (type) {
  document.addEventListener(type, function (event) {
    if (event.target.matches && event.target.matches("#log-form input[name=date]:not([disabled])")) {
      liaisonCheckDutyDate(event.target);
    }
  });
});

// The cadre picker's search box: Enter searches (htmx) instead of sending the form around it.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !event.target.matches || !event.target.matches("[data-picker-input]")) return;
  event.preventDefault();
  if (window.htmx) window.htmx.trigger(event.target, "search");
});

// The log page lists the cadre's own households; the others are searched. Ticking a match
// moves it into the list above (or ticks the household already there), so a new search
// does not lose it; Enter in the search box searches instead of submitting the form.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("#household-matches input[type=checkbox]") || !box.checked) return;
  var picked = document.getElementById("household-picked");
  var row = box.closest(".form-check");
  var same = picked.querySelector('input[name="households"][value="' + box.value + '"]');
  if (same) {
    same.checked = true;
    row.remove();
  } else {
    picked.appendChild(row);
  }
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.id === "household-search") event.preventDefault();
});

// A refused reveal (403: not a household the cadre serves; 429: too many in the last hour)
// comes back as the masked numbers with the reason: show it instead of doing nothing.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if ((status === 403 || status === 429) && source && source.hasAttribute("data-swap-refusal")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Concerns' entry pages (hotline, liaison officers): Enter in a household search box opens
// the first household found, ↓ moves into the list; Ctrl+Enter (⌘+Enter) sends a form
// marked data-ctrl-enter-submit from any field, its text area included.
document.addEventListener("keydown", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("[data-household-search]")) return;
  var links = document.querySelectorAll("#household-results [data-household-pick]");
  if (event.key === "Enter") {
    event.preventDefault();
    if (links.length) links[0].click();
    else if (window.htmx) window.htmx.trigger(input, "search");
  } else if (event.key === "ArrowDown" && links.length) {
    event.preventDefault();
    links[0].focus();
  }
});
document.addEventListener("keydown", function (event) {
  var link = event.target;
  if (!link.matches || !link.matches("#household-results [data-household-pick]")) return;
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  event.preventDefault();
  var links = Array.prototype.slice.call(document.querySelectorAll("#household-results [data-household-pick]"));
  var next = links[links.indexOf(link) + (event.key === "ArrowDown" ? 1 : -1)];
  if (next) next.focus();
  else if (event.key === "ArrowUp") document.querySelector("[data-household-search]").focus();
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  var form = event.target.closest && event.target.closest("form[data-ctrl-enter-submit]");
  if (!form) return;
  event.preventDefault();
  if (form.requestSubmit) form.requestSubmit();
  else form.submit();
});
