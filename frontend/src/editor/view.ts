/** View transform: screen = image * scale + (tx, ty), in CSS pixels. */
export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export const MAX_SCALE = 64;

export function fitView(W: number, H: number, vw: number, vh: number, margin = 12): View {
  const scale = Math.max(0.01, Math.min((vw - 2 * margin) / W, (vh - 2 * margin) / H));
  return { scale, tx: (vw - W * scale) / 2, ty: (vh - H * scale) / 2 };
}

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
