// Embed every chart of the page from its JSON spec (vega-embed ships in vega-bundle.js).
document.addEventListener("DOMContentLoaded", () => {
  const options = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
  };
  for (const script of document.querySelectorAll("script.vega-spec")) {
    const target = document.getElementById(script.dataset.target);
    const spec = JSON.parse(script.textContent);
    // A map's shapes, shipped once per site in assets/geometry.js (maps.py).
    if (window.clustermonGeometry && spec.usermeta.clustermon.map) {
      Object.assign(spec.datasets, window.clustermonGeometry);
    }
    vegaEmbed(target, spec, options).catch((error) => {
      target.textContent = "This chart could not be drawn: " + error;
      console.error(error);
    });
  }
});
