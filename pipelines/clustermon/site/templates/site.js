// Embed every chart of the page from its JSON spec (vega-embed ships in vega-bundle.js).
document.addEventListener("DOMContentLoaded", () => {
  const options = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
  };
  for (const script of document.querySelectorAll("script.vega-spec")) {
    const target = document.getElementById(script.dataset.target);
    vegaEmbed(target, JSON.parse(script.textContent), options).catch((error) => {
      target.textContent = "This chart could not be drawn: " + error;
      console.error(error);
    });
  }
});
