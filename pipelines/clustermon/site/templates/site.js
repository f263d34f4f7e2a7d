// Embed every chart of the page from its JSON spec (vega-embed ships in vega-bundle.js), and
// give it a CSV download and selectors kept in the URL; the header's search box.
"use strict";

// The selectors' state: "#quarter=2024Q1&region=AT12+Niederösterreich" opens every chart of
// the page on that quarter and region (a parameter select_<column> is keyed by <column>).
const state = new URLSearchParams(location.hash.slice(1));
const stateKey = (name) => name.replace(/^select_/, "");

async function followUrl(view, spec) {
  for (const param of spec.params || []) {
    if (!param.bind) continue;
    const wanted = state.get(stateKey(param.name));
    if (wanted !== null && param.bind.options.includes(wanted)) view.signal(param.name, wanted);
    view.addSignalListener(param.name, (name, value) => {
      state.set(stateKey(name), value);
      history.replaceState(null, "", "#" + state.toString());
    });
  }
  await view.runAsync();
}

// A chart's data as published: its dataset's columns, a suppressed cell empty, and a
// `suppressed` column (true where the chart's value is suppressed).
function csvText(spec) {
  const [columns] = spec.datasets.table;
  const names = Object.keys(columns).filter((name) => name !== "_suppressed");
  const cell = (value) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text;
  };
  const lines = [[...names, "suppressed"].map(cell).join(",")];
  columns[names[0]].forEach((_, row) => {
    const flag = columns._suppressed ? Boolean(columns._suppressed[row]) : false;
    lines.push([...names.map((name) => cell(columns[name][row])), flag].join(","));
  });
  return lines.join("\r\n") + "\r\n";
}

document.addEventListener("DOMContentLoaded", () => {
  const options = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
  };
  for (const script of document.querySelectorAll("script.vega-spec")) {
    const target = document.getElementById(script.dataset.target);
    const spec = JSON.parse(script.textContent);
    const csv = new Blob([csvText(spec)], { type: "text/csv;charset=utf-8" });
    document.querySelector(`a.csv[data-chart="${target.id}"]`).href = URL.createObjectURL(csv);
    // A map's shapes, shipped once per site in assets/geometry.js (maps.py).
    if (window.clustermonGeometry && spec.usermeta.clustermon.map) {
      Object.assign(spec.datasets, window.clustermonGeometry);
    }
    vegaEmbed(target, spec, options)
      .then((result) => {
        // vega-embed's menu button is an icon alone: name it for screen readers.
        for (const summary of target.querySelectorAll("summary")) {
          summary.setAttribute("aria-label", "Chart menu: save as SVG or PNG");
        }
        return followUrl(result.view, spec);
      })
      .catch((error) => {
        target.textContent = "This chart could not be drawn: " + error;
        console.error(error);
      });
  }
  search();
});

// Regions and indicators (every page) by code or name, accents and case ignored.
function search() {
  const input = document.getElementById("site-search");
  const results = document.getElementById("site-search-results");
  if (!input || !window.clustermonSearch) return;
  const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const pages = window.clustermonSearch.map(([title, href]) => ({ title, href, key: fold(title) }));
  input.addEventListener("input", () => {
    const words = fold(input.value).split(/\s+/).filter(Boolean);
    const found = words.length
      ? pages.filter((page) => words.every((word) => page.key.includes(word))).slice(0, 12)
      : [];
    results.replaceChildren(
      ...found.map((page) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = document.body.dataset.root + page.href;
        link.textContent = page.title;
        item.append(link);
        return item;
      }),
    );
    document.getElementById("site-search-status").textContent = words.length
      ? `${found.length} page(s) found`
      : "";
  });
}
