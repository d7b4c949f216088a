// hardtrain's course page: the browser side of hardtrain.views.course.CourseAddress (an anywidget
// ES module). It keeps the lab shown by the course page in the address's fragment (`#01b`):
//
// - on load it sends the fragment to the kernel (`page`), which opens that lab;
// - when the kernel opens another lab (a tab was chosen), it pushes `#<lab>` as a new history entry,
//   so the browser's Back button returns to the previous lab and a copied address opens this one;
// - Back / Forward and links such as `<a href="#02">` (the labs' links to each other, rewritten
//   by the course page) change the fragment, which is sent to the kernel.
// The query string (a view's settings, an instructor's hide= / lock=) is left as it is.

const PAGE = /^#?([0-9]{2}[a-z]?)$/;

function fromHash() {
  const m = window.location.hash.match(PAGE);
  return m ? m[1] : "";
}

export default {
  initialize({ model }) {
    const send = () => {
      const page = fromHash();
      if (page && page !== model.get("page")) {
        model.set("page", page);
        model.save_changes();
      }
    };
    model.on("change:page", () => {
      const page = model.get("page");
      if (page && fromHash() !== page) {
        const url = window.location.pathname + window.location.search + "#" + page;
        window.history.pushState(window.history.state, "", url);
      }
    });
    window.addEventListener("hashchange", send);
    window.addEventListener("popstate", send);
    model.set("opened_with", fromHash());
    model.save_changes();
  },
  render({ el }) {
    el.classList.add("ht-course-address");
    el.hidden = true;
  },
};
