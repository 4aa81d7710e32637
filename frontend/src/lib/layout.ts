/**
 * Full-height working pages (annotator, review, viewer) live inside Django
 * templates that may put a site header and other content above #cw-root.
 * The app takes the rest of the first screen when that leaves enough room,
 * otherwise the full viewport height (the page then scrolls once).
 */
export function fitToViewport(root: HTMLElement, minHeight = 520): () => void {
  const apply = () => {
    const top = root.getBoundingClientRect().top + window.scrollY;
    const vh = window.innerHeight;
    const rest = vh - top - 12;
    const h = rest >= Math.max(minHeight, vh * 0.6) ? rest : Math.max(minHeight, vh - 12);
    root.style.setProperty('--cw-app-height', `${Math.round(h)}px`);
  };
  apply();
  window.addEventListener('resize', apply);
  // Late layout shifts above the root (web fonts, messages) change the offset.
  requestAnimationFrame(apply);
  document.fonts?.ready.then(apply).catch(() => {});
  return apply;
}
