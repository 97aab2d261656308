// The taipy page's one script: a scenario's page follows its server-sent events, each of which
// carries the redrawn parts (element id -> HTML); a parameter's text is checked as it is typed
// (the server checks it again against the node's type).
(function () {
  "use strict";
  const main = document.querySelector("main[data-live]");
  if (main && window.EventSource) {
    const source = new EventSource(main.dataset.live);
    source.addEventListener("update", function (event) {
      const parts = JSON.parse(event.data);
      for (const id of Object.keys(parts)) {
        const element = document.getElementById(id);
        if (element) element.innerHTML = parts[id];
      }
      main.dataset.updates = String(Number(main.dataset.updates || 0) + 1);
    });
    source.addEventListener("failure", function (event) {
      const jobs = document.getElementById("jobs");
      if (jobs) jobs.insertAdjacentHTML("afterbegin", "<p class=\"error\"></p>");
      if (jobs) jobs.firstChild.textContent = event.data;
    });
  }
  for (const input of document.querySelectorAll("input[data-kind]")) {
    input.addEventListener("input", function () {
      const kind = input.dataset.kind;
      input.setCustomValidity(input.validity.patternMismatch ? "expected " + (kind === "bool" ? "true or false" : "a " + kind) : "");
    });
  }
})();
