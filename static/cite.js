// llmnotes: the "Cite" control. Without this file, Cite is a link to the resource page's BibTeX
// block (#cite); with it, Cite becomes a button that copies the BibTeX entry to the clipboard.
(() => {
  "use strict";
  // A card carries its entry; the resource page's own link points at the entry already on the page.
  const entry = (link) => link.dataset.bibtex ?? (link.getAttribute("href") === "#cite" ? document.querySelector("#cite pre")?.textContent : undefined);
  const links = [...document.querySelectorAll("a.cite")].filter((link) => entry(link));
  if (!links.length || !navigator.clipboard?.writeText) return;

  // One polite live region for the page, so screen readers hear "copied" too.
  const status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.append(status);

  for (const link of links) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cite cite-button";
    button.textContent = "Cite";
    const title = link.dataset.title;
    if (title) button.title = `Copy the BibTeX entry of ${title}`;
    const text = entry(link);
    let timer = 0;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
        button.dataset.state = "copied";
        status.textContent = title ? `BibTeX of ${title} copied` : "BibTeX copied";
      } catch {
        window.location.href = link.href;  // clipboard refused: show the entry instead
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
