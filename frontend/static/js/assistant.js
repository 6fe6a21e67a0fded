// The writing assistant beside a posting form (<aside data-assistant="/api/assistant/need">):
// as the user types, post the form's fields as JSON (debounced) and show the hints, the other
// side's terms (click to add to 关键词) and the draft's best match strength.
(function () {
  "use strict";
  var panel = document.querySelector("[data-assistant]");
  if (!panel) return;
  var form = panel.closest("form");
  var url = panel.getAttribute("data-assistant");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null, inFlight = null, asked = 0;

  function part(name) { return panel.querySelector("[data-part=" + name + "]"); }

  function draft() {
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf_token" && typeof value === "string") data[key] = value;
    });
    return data;
  }

  function show(advice) {
    var strength = part("strength");
    strength.textContent = "";
    if (advice.strength) {
      strength.append("当前写法的最佳匹配：");
      var num = document.createElement("strong");
      num.className = "score-num";
      num.textContent = advice.strength.score;
      strength.append(num, " 分 ");
      var band = document.createElement("span");
      band.className = "strength strength-" + advice.strength.key;
      band.textContent = advice.strength.label;
      strength.append(band, " · ");
      var link = document.createElement("a");
      link.href = advice.strength.url;
      link.target = "_blank";
      link.textContent = advice.strength.title;
      strength.append(link);
    } else {
      strength.textContent = advice.engine_on ? "再多写一些内容，即可看到匹配度。" : "匹配引擎未启用，暂不能计算匹配度。";
    }
    var hints = part("hints");
    hints.textContent = "";
    advice.hints.forEach(function (hint) {
      var li = document.createElement("li");
      li.textContent = hint.text;
      li.setAttribute("data-field", hint.field);
      hints.append(li);
    });
    part("hints-box").hidden = advice.hints.length === 0;
    var terms = part("terms");
    terms.textContent = "";
    advice.terms.forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "chip chip-button";
      b.textContent = "＋ " + t.term;
      b.title = "最相近的对方内容中有 " + t.used_by + " 条使用";
      b.setAttribute("data-term", t.term);
      terms.append(b);
    });
    part("terms-box").hidden = advice.terms.length === 0;
  }

  function ask() {
    var mine = ++asked;
    panel.setAttribute("aria-busy", "true");
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": token ? token.value : ""},
      body: JSON.stringify(draft()),
      signal: inFlight.signal
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (advice) {
        if (advice && mine === asked) show(advice);
        if (mine === asked) panel.removeAttribute("aria-busy");
      })
      .catch(function () { if (mine === asked) panel.removeAttribute("aria-busy"); });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 600);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  panel.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-term]") : null;
    if (!button) return;
    var box = form.querySelector("input[name=keywords]");
    var words = box.value.split(/[,，、;；\s]+/).filter(Boolean);
    var term = button.getAttribute("data-term");
    if (words.indexOf(term) < 0) words.push(term);
    box.value = words.join("、");
    button.remove();
    later();
  });
  ask();
})();
