/** Small inline SVG icons (16×16, stroke = currentColor) so buttons need no asset requests. */

const svg = (body: string) =>
  `<svg viewBox="0 0 16 16" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

export const icons = {
  polygon: svg('<path d="M3 4.5 8.5 2 13.5 6 11.5 13 4 11.5Z"/><circle cx="3" cy="4.5" r="1" fill="currentColor"/><circle cx="13.5" cy="6" r="1" fill="currentColor"/><circle cx="4" cy="11.5" r="1" fill="currentColor"/>'),
  lasso: svg('<path d="M4.5 11.5C2 10 1.5 6.5 4 4.2 6.5 2 11 2 13 4.5s.5 6-3 7c-2 .6-4 .4-5.5 0"/><path d="M4.5 11.5c-.5 1.5.2 2.8 1.8 2.5"/>'),
  brush: svg('<path d="M13.5 2.5 7 9"/><path d="M7.5 8.5 6 7c-2 .3-3 1.8-3 3.5 0 1.2-.6 2.2-1.5 3 2.7.5 5.8-.4 6.5-3.5Z"/>'),
  eraser: svg('<path d="M9.5 2.5 14 7l-6.5 6.5H4L2 11.5Z"/><path d="M6 6l4.5 4.5"/><path d="M7.5 13.5H14"/>'),
  cut: svg('<circle cx="4.5" cy="12" r="2"/><circle cx="11.5" cy="12" r="2"/><path d="M5.8 10.5 12 2.5M10.2 10.5 4 2.5"/>'),
  hand: svg('<path d="M5 8V3.5a1 1 0 0 1 2 0V7.5"/><path d="M7 7V2.5a1 1 0 0 1 2 0V7"/><path d="M9 7V3.5a1 1 0 0 1 2 0V8"/><path d="M11 8V5.5a1 1 0 0 1 2 0V10a4.5 4.5 0 0 1-4.5 4.5H8A4 4 0 0 1 4.6 12.6L2.8 9.7a1 1 0 0 1 1.6-1.2L5 9.3"/>'),
  fill: svg('<path d="M2.5 8.5 8 3l5 5-5.5 5.5Z"/><path d="M2.5 8.5h10.5"/><path d="M13.5 11.5c0 1 .6 1.6 0 2.3a1 1 0 0 1-1.5-.6c0-.7.8-1.7.8-1.7"/>'),
  trash: svg('<path d="M3 4.5h10"/><path d="M6.5 4.5V3h3v1.5"/><path d="M4.5 4.5 5 13.5h6l.5-9"/>'),
  undo: svg('<path d="M5.5 3 2.5 6l3 3"/><path d="M2.5 6H10a3.5 3.5 0 0 1 0 7H7"/>'),
  redo: svg('<path d="M10.5 3l3 3-3 3"/><path d="M13.5 6H6a3.5 3.5 0 0 0 0 7h3"/>'),
  zoomIn: svg('<circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14"/><path d="M5 7h4M7 5v4"/>'),
  zoomOut: svg('<circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14"/><path d="M5 7h4"/>'),
  fit: svg('<path d="M2.5 6V2.5H6M10 2.5h3.5V6M13.5 10v3.5H10M6 13.5H2.5V10"/>'),
  help: svg('<circle cx="8" cy="8" r="6"/><path d="M6.3 6.2a1.8 1.8 0 0 1 3.5.5c0 1.2-1.8 1.5-1.8 2.6"/><circle cx="8" cy="11.5" r=".5" fill="currentColor"/>'),
  eye: svg('<path d="M1.5 8S4 3.5 8 3.5 14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8Z"/><circle cx="8" cy="8" r="2"/>'),
  check: svg('<path d="M3 8.5 6.5 12 13 4.5"/>'),
  next: svg('<path d="M3 8h10M9 4l4 4-4 4"/>'),
  prev: svg('<path d="M13 8H3M7 4 3 8l4 4"/>'),
  up: svg('<path d="M8 13V3M4 7l4-4 4 4"/>'),
  down: svg('<path d="M8 3v10M4 9l4 4 4-4"/>'),
  copy: svg('<rect x="5.5" y="5.5" width="8" height="8" rx="1.5"/><path d="M10.5 5.5v-2a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h2"/>'),
  ghost: svg('<path d="M3.5 14V7a4.5 4.5 0 0 1 9 0v7l-1.5-1.2L9.5 14 8 12.8 6.5 14 5 12.8Z" stroke-dasharray="2 1.5"/>'),
  layers: svg('<path d="M8 2 14 5.5 8 9 2 5.5Z"/><path d="M2 8.5 8 12l6-3.5"/><path d="M2 11.2 8 14.5l6-3.3"/>'),
  edit: svg('<path d="M10.5 2.5l3 3L6 13H3v-3Z"/><path d="M9 4l3 3"/>'),
  send: svg('<path d="M14 2 7 9"/><path d="M14 2 9.5 14 7 9 2 6.5Z"/>'),
  ban: svg('<circle cx="8" cy="8" r="6"/><path d="M3.8 3.8l8.4 8.4"/>'),
  save: svg('<path d="M3 2.5h8l2.5 2.5v8.5H3Z"/><path d="M5.5 2.5v3h4.5v-3"/><rect x="5" y="9" width="6" height="4.5"/>'),
  reopen: svg('<path d="M2.5 8a5.5 5.5 0 1 0 1.7-4"/><path d="M2.5 2.5V5.5h3"/>'),
  contrast: svg('<circle cx="8" cy="8" r="6"/><path d="M8 2a6 6 0 0 1 0 12Z" fill="currentColor"/>'),
  stop: svg('<rect x="3.5" y="3.5" width="9" height="9" rx="1.5"/>'),
  fluor: svg('<circle cx="8" cy="8" r="2.5"/><path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4"/>'),
  outline: svg('<rect x="3" y="3" width="10" height="10" rx="4" stroke-dasharray="0"/>'),
} as const;
