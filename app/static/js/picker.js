/* Searchable pickers: an <input data-picker="units|staff|inspectors" data-picker-for="action">
   becomes an ARIA combobox whose list comes from /search/<kind>?q=…&for=… (accent-insensitive,
   scoped on the server). Without this script the input stays a plain field taking a code. */
(function () {
  "use strict";
  var base = document.body.getAttribute("data-search-url") || "/search/";
  var counter = 0;

  function enhance(input) {
    var kind = input.getAttribute("data-picker");
    var action = input.getAttribute("data-picker-for") || "";
    var id = "picker-list-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.insertBefore(status, list.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("autocomplete", "off");
    var options = [], active = -1, timer = null, last = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function choose(index) {
      if (index < 0 || index >= options.length) { return; }
      input.value = options[index].value;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    }
    function show(found) {
      options = found;
      list.innerHTML = "";
      found.forEach(function (option, i) {
        var item = document.createElement("li");
        item.id = id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = option.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(item);
      });
      status.textContent = found.length ? found.length + " ✓" : "0";
      list.hidden = !found.length;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      active = -1;
    }
    function lookup() {
      var term = input.value.trim();
      if (term === last) { return; }
      last = term;
      if (!term) { show([]); return; }
      var url = base + kind + "?q=" + encodeURIComponent(term) + (action ? "&for=" + encodeURIComponent(action) : "");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (input.value.trim() === term) { show(found); } })
        .catch(function () { show([]); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 150); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        if (list.hidden) { last = null; lookup(); } else { highlight(Math.min(active + 1, options.length - 1)); }
        event.preventDefault();
      } else if (event.key === "ArrowUp" && !list.hidden) {
        highlight(Math.max(active - 1, 0)); event.preventDefault();
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        choose(active); event.preventDefault();
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-picker]").forEach(enhance);
}());
