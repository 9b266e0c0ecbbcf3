// Injected at the top of a copy of a report page by tests/it/report.rs.
// Records what a reader's browser would complain about (script errors,
// resources that fail to load, console.error) and, once the page and every
// image have loaded, writes the findings as JSON into <pre id="cdnsim-check">
// so `chromium --headless --dump-dom` prints them.
(function () {
  var errs = [];
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) {
      errs.push('failed to load ' + (t.src || t.href));
    } else {
      errs.push('error: ' + (e.message || String(e)));
    }
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    errs.push('unhandled rejection: ' + e.reason);
  });
  var ce = console.error;
  console.error = function () {
    errs.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    ce.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var imgs = Array.prototype.map.call(document.images, function (i) {
      return { src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight, complete: i.complete };
    });
    var pre = document.createElement('pre');
    pre.id = 'cdnsim-check';
    pre.textContent = JSON.stringify({ errors: errs, images: imgs });
    document.body.appendChild(pre);
  });
})();
