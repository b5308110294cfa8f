/* The page's table of contents marks the section being read.
 *
 * Material marks a section only once its heading has scrolled up under the header, so while
 * the reader is well into a section whose heading sits in the upper part of the window, the
 * contents still point at the section before. Here a section counts as current as soon as its
 * heading is in the top third of the window below the header (or when the page is scrolled to
 * its end: then the last heading). The right-hand contents get `book-toc-current` on that link;
 * layout.css shows that class instead of Material's own mark.
 * Tested by tests/browser/test_layout.py::test_toc_marks_the_section_being_read. */
(function () {
  "use strict";

  var READ_LINE = 1 / 3;  // of the window height below the header

  function setup() {
    var links = Array.prototype.slice.call(
      document.querySelectorAll(".md-sidebar--secondary .md-nav--secondary a.md-nav__link[href^='#']"));
    var entries = links.map(function (link) {
      return { link: link, heading: document.getElementById(decodeURIComponent(link.hash.slice(1))) };
    }).filter(function (entry) { return entry.heading; });
    if (!entries.length) return;
    var header = document.querySelector(".md-header");
    var current = null;
    var pending = false;

    function update() {
      pending = false;
      var top = header ? header.getBoundingClientRect().bottom : 0;
      var line = top + (window.innerHeight - top) * READ_LINE;
      var atEnd = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      var found = null;
      for (var i = 0; i < entries.length; i++) {
        if (atEnd || entries[i].heading.getBoundingClientRect().top <= line) found = entries[i];
        else break;
      }
      if (found === current) return;
      if (current) current.link.classList.remove("book-toc-current");
      if (found) found.link.classList.add("book-toc-current");
      current = found;
    }

    function schedule() {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(update);
      }
    }

    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule);
    update();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
