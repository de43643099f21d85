// StreamVault page behaviour. Loaded with `defer` after htmx; no eval, no inline handlers.
(function () {
  "use strict";

  var BANNER_ID = "app-error-banner";

  // Belt and braces: the <body> hx-headers already carries the token.
  document.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      evt.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });

  // A small dismissable banner, built with DOM APIs and textContent only.
  function showServerErrorBanner(message) {
    if (document.getElementById(BANNER_ID)) return;
    var banner = document.createElement("div");
    banner.id = BANNER_ID;
    banner.className = "app-banner";
    banner.setAttribute("role", "alert");
    var text = document.createElement("span");
    text.textContent = message || "Something went wrong on our side. Please try again.";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.addEventListener("click", function () {
      banner.remove();
    });
    banner.appendChild(text);
    banner.appendChild(close);
    document.body.appendChild(banner);
  }

  // 5xx responses are not swapped (see htmx-config); tell the visitor instead.
  // 422 and 409 fragments are swapped normally; other 4xx stay silent here.
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (xhr && xhr.status >= 500) showServerErrorBanner();
    if (xhr && xhr.status === 429) {
      var wait = parseInt(xhr.getResponseHeader("Retry-After") || "", 10);
      showServerErrorBanner(
        "Too many attempts. Please wait" +
          (wait > 0 ? " " + wait + " seconds" : " a moment") +
          " and try again."
      );
    }
  });

  // A dangerous staff action without a recent password answers 403 with a password box
  // (X-Reauth-Required); show it, although other 4xx responses are not swapped.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail && evt.detail.xhr;
    if (xhr && xhr.status === 403 && xhr.getResponseHeader("X-Reauth-Required")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // A 401 carrying HX-Redirect (expired session) needs nothing here: htmx follows the
  // redirect itself before any swap or htmx:beforeSwap event.

  // ---- Viewers (issue 9) ----

  // Live character counter under a text box: <textarea data-counter="ID"> updates the element
  // ID (which carries data-max). Counts characters as the server does (code points, not
  // UTF-16 units); works for forms swapped in later, too.
  function updateCounter(box) {
    var counter = document.getElementById(box.getAttribute("data-counter"));
    if (!counter) return;
    var max = parseInt(counter.getAttribute("data-max") || "0", 10);
    var used = Array.from(box.value).length;
    counter.textContent = used + " / " + max + " characters";
    counter.classList.toggle("over", max > 0 && used > max);
  }
  document.addEventListener("input", function (evt) {
    var box = evt.target;
    if (box && box.matches && box.matches("textarea[data-counter]")) updateCounter(box);
  });

  // The catalog's filters fold behind one button on phones; wider screens open them.
  function openFiltersOnWideScreens() {
    if (!window.matchMedia("(min-width: 761px)").matches) return;
    document.querySelectorAll("details.more-filters").forEach(function (details) {
      details.open = true;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openFiltersOnWideScreens);
  } else {
    openFiltersOnWideScreens();
  }

  // After a review is saved or deleted, its confirmation (role=status) takes focus: a screen
  // reader reads it at once and the keyboard continues from the reviews, not the page top.
  // Marked once focused, so later swaps (the reviews pager) leave focus where it is.
  document.addEventListener("htmx:afterSettle", function () {
    var notice = document.getElementById("review-notice");
    if (!notice || notice.hasAttribute("data-focused")) return;
    notice.setAttribute("data-focused", "");
    notice.focus();
  });

  // A poster that fails to load leaves its placeholder tile visible.
  document.addEventListener(
    "error",
    function (evt) {
      var img = evt.target;
      if (img && img.classList && img.classList.contains("poster-img")) img.remove();
    },
    true
  );

  // Escape closes the banner for keyboard users.
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var banner = document.getElementById(BANNER_ID);
    if (banner) banner.remove();
  });

  // ---- Staff tables ----

  // Click a cell to edit its row (the row's Edit link does the request) and put the cursor
  // in that column's field once the edit row arrives; links, buttons and inputs inside the
  // row keep their own behaviour.
  var pendingFocus = null;
  document.addEventListener("click", function (evt) {
    var cell = evt.target.closest && evt.target.closest(".admin-table tr.row td.cell");
    if (!cell || evt.target.closest("a, button, input, select, label, form")) return;
    var edit = cell.parentElement.querySelector("a.edit-link");
    if (!edit) return;
    pendingFocus = { row: cell.parentElement.id, column: cell.getAttribute("data-column") };
    edit.click();
  });
  document.addEventListener("click", function (evt) {
    var edit = evt.target.closest && evt.target.closest(".admin-table tr.row a.edit-link");
    if (edit && evt.isTrusted) pendingFocus = null;
  });
  function fieldIn(scope) {
    return scope && scope.querySelector(
      "input:not([type=hidden]):not(.select-search), select, textarea"
    );
  }
  // Where the cursor goes in a freshly swapped form: the first wrong field after a 422,
  // else the clicked column's field, else the first field.
  function focusForm(container) {
    var wrong = container.querySelector('[aria-invalid="true"]');
    if (wrong) {
      wrong.focus();
      return;
    }
    if (!container.classList.contains("row-editing")) return;
    var target = null;
    if (pendingFocus && pendingFocus.row === container.id && pendingFocus.column) {
      target = fieldIn(container.querySelector('td[data-column="' + pendingFocus.column + '"]'));
    }
    pendingFocus = null;
    target = target || fieldIn(container);
    if (target) {
      target.focus();
      if (target.select && target.type !== "date" && target.type !== "checkbox") target.select();
    }
  }
  // Enter in a select of an edit row saves too (text fields submit natively).
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Enter" || !evt.target.matches || !evt.target.matches("tr.row-editing select")) return;
    var form = evt.target.form;
    if (form && form.requestSubmit) {
      evt.preventDefault();
      form.requestSubmit();
    }
  });

  // Escape in a row being edited restores it (its Cancel link asks for the row again).
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var row = evt.target.closest && evt.target.closest("tr.row-editing");
    if (!row) return;
    var cancel = row.querySelector("a.cancel-link");
    if (cancel) {
      evt.preventDefault();
      cancel.click();
    }
  });

  // "Select all" ticks every row's box of the same table (the box is hidden without JS).
  function initTables(root) {
    root.querySelectorAll(".admin-table .select-all").forEach(function (box) {
      box.hidden = false;
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      box.addEventListener("change", function () {
        var table = box.closest("table");
        table.querySelectorAll('tbody input[name="selected"]').forEach(function (row) {
          row.checked = box.checked;
        });
      });
    });
    // Long reference lists arrive in part: a search box above the select asks the server
    // for the matching options.
    root.querySelectorAll("select[data-search]").forEach(function (select) {
      if (select.dataset.ready) return;
      select.dataset.ready = "1";
      var search = document.createElement("input");
      search.type = "search";
      search.className = "select-search";
      search.placeholder = "Type to search…";
      search.setAttribute("aria-label", "Search the list below");
      var timer = null;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var url = select.dataset.search + "?q=" + encodeURIComponent(search.value) +
            "&selected=" + encodeURIComponent(select.value);
          htmx.ajax("GET", url, { target: select, swap: "innerHTML" });
        }, 250);
      });
      // Enter in the search box must not submit the row's form.
      search.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter") evt.preventDefault();
      });
      select.parentNode.insertBefore(search, select);
    });
  }
  // "Delete selected" is off until a row is ticked, and says how many are.
  function updateBulkBars() {
    document.querySelectorAll("form.bulk-bar").forEach(function (bar) {
      var ticked = document.querySelectorAll(
        'input[name="selected"][form="' + bar.id + '"]:checked'
      ).length;
      var button = bar.querySelector('button[type="submit"]');
      if (button) button.disabled = ticked === 0;
      var count = bar.querySelector(".bulk-count");
      if (count) count.textContent = ticked > 0 ? ticked + " selected" : "";
    });
  }
  document.addEventListener("change", function (evt) {
    var box = evt.target;
    if (box && box.matches && box.matches('input[name="selected"], .select-all')) updateBulkBars();
  });
  document.addEventListener("htmx:load", function (evt) {
    initTables(evt.detail.elt.parentNode || document);
    updateBulkBars();
  });
  document.addEventListener("htmx:afterSettle", updateBulkBars);
  document.addEventListener("DOMContentLoaded", function () {
    initTables(document);
    updateBulkBars();
  });

  // A delete's message offers Undo for a few seconds, then keeps only the words. A table whose
  // last row went shows its empty state.
  function settleTables(root) {
    root.querySelectorAll(".undo-flash[data-undo-seconds]").forEach(function (flash) {
      if (flash.dataset.ready) return;
      flash.dataset.ready = "1";
      var seconds = parseInt(flash.dataset.undoSeconds, 10) || 10;
      setTimeout(function () {
        var form = flash.querySelector(".undo-form");
        if (form && !form.classList.contains("htmx-request")) form.remove();
      }, seconds * 1000);
    });
    document.querySelectorAll("table.admin-table > tbody").forEach(function (body) {
      if (body.querySelector("tr.row, tr.row-editing, tr.empty-row")) return;
      var width = body.closest("table").querySelectorAll("thead th").length;
      var row = document.createElement("tr");
      row.className = "empty-row";
      var cell = document.createElement("td");
      cell.colSpan = width;
      cell.textContent = "Nothing left here.";
      row.appendChild(cell);
      body.appendChild(row);
    });
  }
  document.addEventListener("htmx:afterSettle", function () {
    settleTables(document);
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    settleTables(document);
  });

  // A fresh edit row (or a form answered with 422) places the cursor.
  // After settling: until then a swapped row still wears the old row's classes.
  document.addEventListener("htmx:afterSettle", function (evt) {
    // Fired on each swapped element (the new row, for an outerHTML swap).
    var elt = evt.target;
    var swapped = elt && elt.closest && elt.closest("tr.row-editing, tr.row-new");
    if (swapped) focusForm(swapped);
  });
  // Live staff tables: one event stream per table kind on the page (GET /admin/E/events).
  // Updated rows are fetched again and swapped in place (never a row someone is editing:
  // their save meets today's conflict check); deleted rows go; new rows are announced, not
  // inserted under the reader's cursor.
  var liveSources = {};
  function liveBanner(slug, text, onClick) {
    var section = document.getElementById(slug + "-table");
    if (!section) return;
    var banner = section.querySelector(".live-banner");
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "live-banner";
      banner.setAttribute("role", "status");
      section.insertBefore(banner, section.firstChild);
    }
    banner.textContent = "";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small";
    button.textContent = text;
    button.addEventListener("click", onClick);
    banner.appendChild(button);
  }
  function reloadTable(slug) {
    var section = document.getElementById(slug + "-table");
    if (section && window.htmx) {
      htmx.ajax("GET", window.location.pathname + window.location.search, {
        target: section,
        swap: "outerHTML",
        select: "#" + slug + "-table"
      });
    } else {
      window.location.reload();
    }
  }
  function liveTables(root) {
    if (!window.EventSource || !window.htmx) return;
    root.querySelectorAll("table.admin-table[data-slug]").forEach(function (table) {
      var slug = table.dataset.slug;
      if (!/^[a-z-]+$/.test(slug) || liveSources[slug]) return;
      openSource(slug);
    });
    followImports(root);
  }
  // A large import applied by a job: its progress bar follows the table's stream.
  function followImports(root) {
    if (!window.EventSource) return;
    var boxes = root.querySelectorAll ? root.querySelectorAll("[data-import-progress]") : [];
    boxes.forEach(function (box) {
      var slug = box.dataset.slug;
      if (box.dataset.following || !/^[a-z-]+$/.test(slug || "")) return;
      box.dataset.following = "1";
      var source = liveSources[slug] || openSource(slug);
      source.addEventListener("import", function (evt) {
        var data = JSON.parse(evt.data);
        if (data.import_id !== box.dataset.importProgress) return;
        var bar = box.querySelector("progress");
        var text = box.querySelector(".import-progress-text");
        if (bar) { bar.max = data.total; bar.value = data.done; }
        var over = ["applied", "cancelled", "stale", "refused", "failed"].indexOf(data.state) >= 0;
        if (text) {
          text.textContent = over && data.message ? data.message
            : data.state === "queued" ? "Waiting to start…"
            : "Imported " + data.done.toLocaleString() + " of " + data.total.toLocaleString() + " rows (nothing is saved until all are in).";
        }
        if (over) {
          box.dataset.state = data.state;
          var cancel = box.querySelector(".import-cancel");
          if (cancel) cancel.remove();
        }
      });
    });
  }
  function openSource(slug) {
    var source = new EventSource("/admin/" + slug + "/events");
    var fresh = 0;
    liveSources[slug] = source;
    // Marks the table once it listens (what a test, or a style, can wait for).
    source.addEventListener("open", function () {
      var current = document.querySelector('table.admin-table[data-slug="' + slug + '"]');
      if (current) current.dataset.live = "open";
    });
    function row(id) {
      return document.getElementById(slug + "-row-" + id);
    }
    // The row as the server has it now (its fragment; 404 once it is gone).
    function fetchRow(id) {
      return fetch("/admin/" + slug + "/" + id, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    }
    source.addEventListener("updated", function (evt) {
      var data = JSON.parse(evt.data);
      var tr = row(data.id);
      if (!tr || tr.classList.contains("row-editing")) return;
      // Already showing this version (one's own save): nothing to fetch or move.
      if (tr.dataset.version && data.version !== null && Number(tr.dataset.version) >= data.version) return;
      fetchRow(data.id)
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          // Checked again on arrival: the row may have turned into an edit form meanwhile.
          var current = row(data.id);
          // Nor is a row replaced while it has a request of its own in flight (an edit opening).
          if (!html || !current || current.classList.contains("row-editing")) return;
          if (current.classList.contains("htmx-request") || current.querySelector(".htmx-request")) return;
          var holder = document.createElement("tbody");
          holder.innerHTML = html;
          var fresh = holder.firstElementChild;
          if (!fresh) return;
          current.replaceWith(fresh);
          fresh.classList.add("row-live");
          htmx.process(fresh);
          showPresence(fresh.id);
        });
    });
    source.addEventListener("deleted", function (evt) {
      var data = JSON.parse(evt.data);
      var id = data.id;
      // A version means the row was back when the event left (an Undo, perhaps this page's
      // own, restored it after the delete): the late news of the delete must not remove it.
      if (data.version !== null && data.version !== undefined) return;
      if (!row(id)) return;
      // The Undo may also land between the event leaving and arriving: only a row the server
      // no longer has goes.
      fetchRow(id)
        .then(function (response) {
          var tr = row(id);
          if (response.status === 404 && tr && !tr.classList.contains("row-editing")) tr.remove();
        });
    });
    source.addEventListener("created", function (evt) {
      // A row already on the page (one's own Undo put it back) is no news.
      var data = JSON.parse(evt.data);
      if (data && row(data.id)) return;
      fresh += 1;
      liveBanner(slug, fresh === 1 ? "1 new row — show" : fresh + " new rows — show", function () {
        fresh = 0;
        reloadTable(slug);
      });
    });
    source.addEventListener("presence", function (evt) {
      var data = JSON.parse(evt.data);
      var names = Array.isArray(data.editors) ? data.editors : [];
      var key = slug + "-row-" + data.id;
      if (names.length) presenceNames[key] = names; else delete presenceNames[key];
      showPresence(key);
    });
    source.addEventListener("reload", function () {
      source.close();
      delete liveSources[slug];
      liveBanner(slug, "This table changed a lot — reload", function () {
        window.location.reload();
      });
    });
    return source;
  }
  document.addEventListener("htmx:load", function (evt) {
    liveTables(evt.detail.elt.parentNode || document);
  });

  // Presence: who else has a row open for editing ("alice is editing"), from the table's
  // stream; and this page telling the server which rows it edits (when an edit row opens,
  // every 10 s while it stays, and when it closes or the page goes), since an editor silent
  // for 30 s counts as gone.
  var presenceNames = {};
  function showPresence(key) {
    var tr = document.getElementById(key);
    if (!tr) return;
    var names = presenceNames[key];
    var badge = tr.querySelector(".presence");
    if (!names) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      // Beside the row's first value (not in the selection box's cell).
      var cell = tr.querySelector("td.cell") || tr.querySelector("td:not(.select-col)");
      if (!cell) return;
      badge = document.createElement("span");
      badge.className = "presence";
      badge.setAttribute("role", "status");
      cell.appendChild(badge);
    }
    var who = names.length > 2 ? names.slice(0, 2).join(", ") + " and " + (names.length - 2) + " more" : names.join(" and ");
    badge.textContent = who + (names.length > 1 ? " are editing" : " is editing");
  }
  var editing = {};
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function presenceUrl(key) {
    var match = /^([a-z-]+)-row-(\d+)$/.exec(key);
    return match ? "/admin/" + match[1] + "/" + match[2] + "/presence" : null;
  }
  function sayPresence(key, on, leaving) {
    var url = presenceUrl(key);
    if (!url) return;
    var body = new URLSearchParams({ editing: on ? "1" : "0", csrf_token: csrfToken() });
    if (leaving && navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
      return;
    }
    fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: !!leaving }).catch(function () {});
  }
  function editRowsNow() {
    var now = {};
    document.querySelectorAll("table.admin-table[data-slug] tr.row-editing[id]").forEach(function (tr) {
      if (presenceUrl(tr.id)) now[tr.id] = true;
    });
    return now;
  }
  // Rows that stopped being edit rows (saved or cancelled) are left; the server noted the
  // new ones when it served their forms.
  function trackEditing(heartbeat) {
    var now = editRowsNow();
    Object.keys(editing).forEach(function (key) {
      if (!now[key]) sayPresence(key, false, false);
    });
    Object.keys(now).forEach(function (key) {
      if (heartbeat && editing[key]) sayPresence(key, true, false);
    });
    editing = now;
  }
  document.addEventListener("htmx:afterSwap", function (evt) {
    trackEditing(false);
    Object.keys(presenceNames).forEach(showPresence);
  });
  setInterval(function () { trackEditing(true); }, 10000);
  window.addEventListener("pagehide", function () {
    Object.keys(editing).forEach(function (key) { sayPresence(key, false, true); });
    editing = {};
  });
  document.addEventListener("DOMContentLoaded", function () {
    liveTables(document);
  });
})();
