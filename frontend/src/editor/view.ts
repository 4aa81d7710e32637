/** View transform: screen = image * scale + (tx, ty), in CSS pixels. */
export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export const MAX_SCALE = 64;

/**
 * The image whole and centred, `margin` CSS pixels from the sides and the top and `bottom`
 * from the bottom edge, where the editor's read-outs sit (BOTTOM_INSET).
 */
export function fitView(W: number, H: number, vw: number, vh: number, margin = 12, bottom = margin): View {
  const scale = Math.max(0.01, Math.min((vw - 2 * margin) / W, (vh - margin - bottom) / H));
  return { scale, tx: (vw - W * scale) / 2, ty: margin + (vh - margin - bottom - H * scale) / 2 };
}

/** The row along the viewport's bottom edge that the zoom/coordinate read-out and the tool
 * hint take (8 px from the edge, about 22 px high; styles/app.css `.cw-editor-hud`): the fitted
 * image stays above it, so no pixel of it hides behind them. */
export const BOTTOM_INSET = 36;

export function minScale(fit: View): number {
  return Math.min(fit.scale * 0.25, 1);
}

/** Zooms by `factor` keeping the image point under (sx, sy) fixed on screen. */
export function zoomAt(v: View, factor: number, sx: number, sy: number, lo: number, hi = MAX_SCALE): View {
  const scale = Math.min(hi, Math.max(lo, v.scale * factor));
  const k = scale / v.scale;
  return { scale, tx: sx - (sx - v.tx) * k, ty: sy - (sy - v.ty) * k };
}

export function toImage(v: View, sx: number, sy: number): [number, number] {
  return [(sx - v.tx) / v.scale, (sy - v.ty) / v.scale];
}

export function toScreen(v: View, x: number, y: number): [number, number] {
  return [x * v.scale + v.tx, y * v.scale + v.ty];
}

/** Keeps at least `keep` CSS pixels of the image on screen so it cannot be lost. */
export function clampPan(v: View, W: number, H: number, vw: number, vh: number, keep = 48): View {
  const w = W * v.scale;
  const h = H * v.scale;
  const tx = Math.min(vw - Math.min(keep, w), Math.max(Math.min(keep, w) - w, v.tx));
  const ty = Math.min(vh - Math.min(keep, h), Math.max(Math.min(keep, h) - h, v.ty));
  return { scale: v.scale, tx, ty };
}
