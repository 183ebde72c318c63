/*
 * notion-hugo kit: typesets the page's equations with KaTeX and draws its mermaid diagrams,
 * in the page's colour scheme, again whenever the scheme changes. Loaded (deferred, after
 * mermaid and KaTeX) by partials/notion-hugo/head.html on pages that have either.
 *
 * The scheme: PaperMod's data-theme="dark"|"light" on <html>, which its toggle flips (and
 * stores as pref-theme in localStorage); a "dark" class on <html> or <body> (older PaperMod,
 * other themes); otherwise the reader's system setting (prefers-color-scheme).
 */
(() => {
  "use strict";
  const root = document.documentElement;
  const systemDark = window.matchMedia("(prefers-color-scheme: dark)");

  function isDark() {
    const theme = root.dataset.theme;
    if (theme === "dark" || theme === "light") return theme === "dark";
    if (root.classList.contains("dark") || document.body.classList.contains("dark")) return true;
    return systemDark.matches;
  }

  if (window.katex) {
    for (const element of document.querySelectorAll(".notion-math")) {
      window.katex.render(element.textContent, element, {
        displayMode: element.classList.contains("notion-math-block"),
        throwOnError: false,
      });
    }
  }

  const diagrams = Array.from(document.querySelectorAll("pre.mermaid"));
  if (!window.mermaid || diagrams.length === 0) return;
  const sources = diagrams.map((element) => element.textContent);
  let drawn = null; // the scheme the diagrams are drawn in
  let queue = Promise.resolve();

  function draw() {
    queue = queue.then(async () => {
      const scheme = isDark() ? "dark" : "light";
      if (scheme === drawn) return;
      diagrams.forEach((element, i) => {
        element.removeAttribute("data-processed");
        element.textContent = sources[i];
      });
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict",
        theme: scheme === "dark" ? "dark" : "default",
      });
      await window.mermaid.run({ nodes: diagrams });
      drawn = scheme;
      root.dataset.notionHugoDiagrams = scheme;
    }).catch((error) => console.error("notion-hugo: mermaid failed", error));
  }

  draw();
  const watch = new MutationObserver(draw);
  watch.observe(root, { attributes: true, attributeFilter: ["data-theme", "class"] });
  watch.observe(document.body, { attributes: true, attributeFilter: ["class"] });
  systemDark.addEventListener("change", draw);
})();
