// smmgen preview: filters on the index, day/week view on the plan, "today" marks. Pages work without it.
(function () {
  "use strict";
  var doc = document.documentElement;
  doc.classList.add("js");
  var state = { platform: "", status: "", account: "", view: "week" };

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    ["platform", "status", "account", "view"].forEach(function (key) {
      if (params.has(key)) { state[key] = params.get(key); }
    });
  }

  function writeHash() {
    var params = new URLSearchParams();
    if (state.platform) { params.set("platform", state.platform); }
    if (state.status) { params.set("status", state.status); }
    if (state.account) { params.set("account", state.account); }
    if (document.querySelector("[data-view-panel]") && state.view !== "week") { params.set("view", state.view); }
    var text = params.toString();
    history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
    keepFilters(text);
  }

  // The index and the plan are one page per month or week: a link to another one carries the filters along.
  function keepFilters(text) {
    document.querySelectorAll("a[data-keep-filters]").forEach(function (link) {
      var href = link.getAttribute("href").split("#")[0];
      link.setAttribute("href", text ? href + "#" + text : href);
    });
  }

  function matchesRow(row) {
    var tokens = (row.getAttribute("data-posts") || "").split(" ");
    return tokens.some(function (token) {
      var pair = token.split(":");
      var platformOk = state.platform ? pair[0] === state.platform : true;
      var statusOk = state.status ? pair[1] === state.status : true;
      var accountOk = state.account ? pair[2] === state.account : true;
      if (pair[0] === "*") { return !state.platform && !state.account && statusOk; }
      return platformOk && statusOk && accountOk;
    });
  }

  function apply() {
    document.querySelectorAll("[data-filter]").forEach(function (button) {
      var on = state[button.getAttribute("data-filter")] === button.getAttribute("data-value");
      button.classList.toggle("is-on", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    document.querySelectorAll("[data-filter-select]").forEach(function (select) {
      select.value = state[select.getAttribute("data-filter-select")];
    });
    document.querySelectorAll("[data-view]").forEach(function (button) {
      var on = state.view === button.getAttribute("data-view");
      button.classList.toggle("is-on", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    document.querySelectorAll("[data-view-panel]").forEach(function (panel) {
      panel.classList.toggle("is-active", panel.getAttribute("data-view-panel") === state.view);
    });
    var shown = 0;
    document.querySelectorAll("tr.row[data-posts]").forEach(function (row) {
      var visible = matchesRow(row);
      row.hidden = !visible;
      if (visible) { shown += 1; }
      row.querySelectorAll(".pchip[data-platform]").forEach(function (chip) {
        chip.classList.toggle("is-dim", (!!state.platform && chip.getAttribute("data-platform") !== state.platform)
          || (!!state.account && chip.getAttribute("data-account") !== state.account));
      });
    });
    var empty = document.querySelector(".empty-filter");
    if (empty) { empty.hidden = shown > 0; }
    document.querySelectorAll(".ev[data-platform], .lane[data-platform]").forEach(function (item) {
      item.hidden = (!!state.platform && item.getAttribute("data-platform") !== state.platform)
        || (!!state.account && item.hasAttribute("data-account") && item.getAttribute("data-account") !== state.account);
    });
    document.querySelectorAll(".day").forEach(function (day) {
      day.hidden = !day.querySelector(".ev:not([hidden])");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-filter], [data-view]");
    if (!button) { return; }
    if (button.hasAttribute("data-view")) {
      state.view = button.getAttribute("data-view");
    } else {
      state[button.getAttribute("data-filter")] = button.getAttribute("data-value");
    }
    apply();
    writeHash();
  });

  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-filter-select]");
    if (!select) { return; }
    state[select.getAttribute("data-filter-select")] = select.value;
    apply();
    writeHash();
  });

  // "Today" and past events depend on when the page is looked at, so they are marked here, not in the file.
  function markToday() {
    var zone = document.body.getAttribute("data-timezone") || "UTC";
    var today;
    try {
      today = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
        .format(new Date());
    } catch (e) {
      today = new Date().toISOString().slice(0, 10);
    }
    document.querySelectorAll("[data-date]").forEach(function (el) {
      el.classList.toggle("is-today", el.getAttribute("data-date") === today);
    });
    var now = Date.now();
    document.querySelectorAll(".ev[data-at]").forEach(function (el) {
      el.classList.toggle("is-past", Date.parse(el.getAttribute("data-at")) < now);
    });
    // The plan's list of weeks marks the one holding today (ISO week, as the pages are named).
    var day = new Date(today + "T00:00:00Z");
    day.setUTCDate(day.getUTCDate() + 4 - (day.getUTCDay() || 7));     // the Thursday of its week
    var week = Math.ceil(((day - Date.UTC(day.getUTCFullYear(), 0, 1)) / 86400000 + 1) / 7);
    var key = day.getUTCFullYear() + "-W" + (week < 10 ? "0" : "") + week;
    document.querySelectorAll(".period[data-week]").forEach(function (el) {
      el.classList.toggle("is-today", el.getAttribute("data-week") === key);
    });
  }

  if (!/^#[a-z0-9_-]+$/i.test(location.hash) || location.hash.indexOf("=") >= 0) { readHash(); }
  apply();
  keepFilters(location.hash.indexOf("=") >= 0 ? location.hash.slice(1) : "");
  markToday();
  // On the plan, start at this week rather than at the oldest one.
  var todayHead = document.querySelector(".day-head.is-today");
  if (todayHead && !location.hash) { todayHead.closest("table").scrollIntoView({ block: "start" }); }
})();
