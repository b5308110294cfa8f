// The book's search: a dialog in the header over Pagefind's static index (scripts/hooks/search_index.py).
// Nothing of the index loads until the reader opens the dialog; then Pagefind fetches only the
// chunks a query needs. Each language searches its own pages: Pagefind picks the index that
// matches <html lang>. Keys: "/" or "s" open the dialog, arrows move through the results,
// Enter follows one, Esc closes. Also here: the language menu keeps the reader's #anchor.
(function () {
  "use strict";

  const dialog = document.getElementById("book-search");
  if (!dialog) return;
  const input = dialog.querySelector(".book-search__input");
  const status = dialog.querySelector(".book-search__status");
  const list = dialog.querySelector(".book-search__results");
  const strings = JSON.parse(dialog.dataset.strings);
  const bundle = new URL(dialog.dataset.bundle, location.href);
  const MAX_PAGES = 10;
  const MAX_SECTIONS = 3;
  // Pagefind ranks pages by their words, not by how the words stand together: for "总线带宽" a page
  // that says 总线 and 带宽 far apart can outrank the section about bus bandwidth. The first
  // CANDIDATES pages are therefore ranked again by whole-query matches in the title, in section
  // headings and in the text.
  const CANDIDATES = 15;

  let engine = null;  // the promise of Pagefind's module, made on first use
  let latest = 0;     // the number of the newest query; older answers are dropped

  function loadEngine() {
    if (!engine) {
      engine = import(new URL("pagefind.js", bundle).href).then(async (pagefind) => {
        // Results are stored as paths from the site root; the site may live under a sub-path.
        const root = bundle.pathname.replace(/pagefind\/$/, "");
        await pagefind.options({ basePath: bundle.pathname, baseUrl: root, excerptLength: 22 });
        await pagefind.init();
        return pagefind;
      });
      engine.catch(() => { engine = null; });
    }
    return engine;
  }

  function openSearch() {
    if (!dialog.open) dialog.showModal();
    input.focus();
    input.select();
    loadEngine().catch(() => { status.textContent = strings.error; });
  }

  function closeSearch() {
    if (dialog.open) dialog.close();
  }

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", (event) => {
    if (dialog.open || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/" || event.key === "s" || event.key === "S") {
      event.preventDefault();
      openSearch();
    }
  });
  for (const opener of document.querySelectorAll(".book-search-open")) opener.addEventListener("click", openSearch);
  // A click on the backdrop (outside the dialog's box) closes it, as Esc does.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) closeSearch();
  });

  function counted(n) {
    if (n === 0) return strings.none;
    return n === 1 ? strings.one : strings.other.replace("#", String(n));
  }

  function element(tag, className, html) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (html !== undefined) node.innerHTML = html;  // Pagefind's excerpts: escaped text with <mark>
    return node;
  }

  function textElement(tag, className, text) {
    const node = element(tag, className);
    node.textContent = text;
    return node;
  }

  function render(pages, total) {
    list.replaceChildren();
    for (const page of pages) {
      const item = element("li", "book-search__page");
      const link = element("a", "book-search__link");
      link.href = page.url;
      link.append(textElement("span", "book-search__title", page.meta.title || page.url));
      link.append(element("span", "book-search__excerpt", page.excerpt));
      item.append(link);
      // Sections of the page that match, each jumping to its heading.
      // (The page's own title comes back as a section too: it is the page link above.)
      const sections = (page.sub_results || []).filter(
        (sub) => sub.url !== page.url && sub.title && sub.title !== page.meta.title);
      if (sections.length) {
        const subList = element("ul", "book-search__sections");
        for (const sub of sections.slice(0, MAX_SECTIONS)) {
          const subItem = element("li");
          const subLink = element("a", "book-search__link book-search__link--section");
          subLink.href = sub.url;
          subLink.append(textElement("span", "book-search__section", sub.title));
          subLink.append(element("span", "book-search__excerpt", sub.excerpt));
          subItem.append(subLink);
          subList.append(subItem);
        }
        item.append(subList);
      }
      list.append(item);
    }
    status.textContent = counted(total);
  }

  function squeezed(text) {
    return (text || "").toLowerCase().replace(/\s+/g, "");
  }

  function occurrences(text, needle) {
    let count = 0;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
    return count;
  }

  function rerank(query, results, pages) {
    const needle = squeezed(query);
    const weighed = pages.map((page, i) => {
      const inText = occurrences(squeezed(page.content), needle);
      const inTitle = occurrences(squeezed(page.meta.title), needle) > 0 ? 1 : 0;
      const inHeadings = (page.sub_results || []).filter((sub) => squeezed(sub.title).includes(needle)).length;
      const boost = 1 + Math.log1p(inText) + 2 * inTitle + 0.5 * Math.min(inHeadings, 3);
      return { page, weight: results[i].score * boost };
    });
    weighed.sort((a, b) => b.weight - a.weight);
    return weighed.map((item) => item.page);
  }

  async function runQuery() {
    const query = input.value.trim();
    const mine = ++latest;
    delete dialog.dataset.shown;
    if (!query) {
      list.replaceChildren();
      status.textContent = strings.placeholder;
      return;
    }
    status.textContent = strings.loading;
    try {
      const pagefind = await loadEngine();
      const found = await pagefind.debouncedSearch(query, {}, 150);
      if (found === null || mine !== latest) return;  // a newer query took over
      const candidates = found.results.slice(0, CANDIDATES);
      const pages = await Promise.all(candidates.map((r) => r.data()));
      if (mine !== latest) return;
      render(rerank(query, candidates, pages).slice(0, MAX_PAGES), found.results.length);
      dialog.dataset.shown = query;  // which query the list answers (the browser tests wait for it)
    } catch (error) {
      if (mine === latest) status.textContent = strings.error;
    }
  }
  input.addEventListener("input", runQuery);

  // Arrow keys walk the input and every result link; Enter follows the focused link. Esc closes
  // the dialog at once (a search field would otherwise spend the first Esc on clearing itself).
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closeSearch();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const stops = [input, ...list.querySelectorAll("a")];
    const here = stops.indexOf(document.activeElement);
    const next = event.key === "ArrowDown" ? Math.min(here + 1, stops.length - 1) : Math.max(here - 1, 0);
    stops[next].focus();
    event.preventDefault();
  });
  // Following a result to a section of the page already open only scrolls: close the dialog.
  list.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("a")) closeSearch();
  });

  // The language menu leads to the same page in the other language; keep the section too
  // (heading ids are the same in both languages by design).
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("a.md-select__link[hreflang]");
    if (link && location.hash && !link.hash) link.hash = location.hash;
  }, true);
})();
