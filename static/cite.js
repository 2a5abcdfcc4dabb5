// llmnotes: the "Cite" control. Without this file, Cite is a link to the resource page's BibTeX
// block (#cite); with it, Cite becomes a button that copies the BibTeX entry to the clipboard.
// The entry is written once, on the resource's own page, and fetched from there when a card's
// button is pressed: a copy in every card that cites it would weigh a large site down by a quarter.
(() => {
  "use strict";
  const links = [...document.querySelectorAll("a.cite")];
  if (!links.length || !navigator.clipboard?.writeText) return;

  const shown = () => document.querySelector("#cite pre")?.textContent;
  const entries = new Map();  // resource page URL → Promise of its entry

  /** The entry a link points at: the one on this page, or the one on the resource page it links to. */
  const entry = (link) => {
    if (link.getAttribute("href") === "#cite") return Promise.resolve(shown());
    const page = new URL(link.href, document.baseURI);
    page.hash = "";
    if (!entries.has(page.href)) {
      entries.set(page.href, fetch(page).then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.text();
      }).then((html) => new DOMParser().parseFromString(html, "text/html").querySelector("#cite pre")?.textContent));
    }
    return entries.get(page.href);
  };

  /** Safari lets a page write the clipboard only within the click itself, so the text is handed over as a promise. */
  const copy = async (text) => {
    if (typeof ClipboardItem === "function" && navigator.clipboard.write) {
      const blob = text.then((value) => {
        if (!value) throw new Error("no BibTeX entry");
        return new Blob([value], { type: "text/plain" });
      });
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
    } else {
      const value = await text;
      if (!value) throw new Error("no BibTeX entry");
      await navigator.clipboard.writeText(value);
    }
  };

  // One polite live region for the page, so screen readers hear "copied" too.
  const status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.append(status);

  for (const link of links) {
    if (link.getAttribute("href") === "#cite" && !shown()) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cite cite-button";
    button.textContent = "Cite";
    const title = link.dataset.title;
    if (title) button.title = `Copy the BibTeX entry of ${title}`;
    // Fetch ahead as the pointer or focus arrives, so the click rarely waits.
    const warm = () => { entry(link).catch(() => {}); };
    button.addEventListener("pointerenter", warm, { once: true });
    button.addEventListener("focus", warm, { once: true });
    let timer = 0;
    button.addEventListener("click", async () => {
      try {
        await copy(entry(link));
        button.textContent = "Copied";
        button.dataset.state = "copied";
        status.textContent = title ? `BibTeX of ${title} copied` : "BibTeX copied";
      } catch {
        window.location.href = link.href;  // clipboard refused or entry unreachable: show the entry instead
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => {
        button.textContent = "Cite";
        delete button.dataset.state;
        status.textContent = "";
      }, 2000);
    });
    link.replaceWith(button);
  }
})();
