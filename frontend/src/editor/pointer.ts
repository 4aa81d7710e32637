/**
 * Pointer input on the canvas: turns DOM events into ToolPointers and hands
 * each gesture to one tool from press to release. Middle or right drags,
 * Space + drag and any drag on a read-only canvas go to the hand, whatever
 * tool is chosen; the wheel zooms around the cursor.
 */

import type { Tool, ToolContext, ToolPointer } from './tools';
import { toImage } from './view';

export interface PointerHost {
  /** The viewport element that receives the events. */
  readonly element: HTMLElement;
  readonly readOnly: boolean;
  readonly spaceDown: boolean;
  /** The chosen tool. */
  readonly tool: Tool;
  readonly hand: Tool;
  readonly ctx: ToolContext;
  zoomBy(factor: number, sx: number, sy: number): void;
  /** The pointer moved: redraw the tool feedback and the HUD. */
  moved(): void;
  /** A gesture began or ended: also update the mode classes. */
  gestureChanged(): void;
}

export class PointerInput {
  private gesture: { tool: Tool; pointerId: number } | null = null;
  private workMs = 0;
  private events = 0;

  constructor(
    private readonly host: PointerHost,
    /** Where the pointer is over the viewport (CSS px); updated on every event. */
    readonly pointer: { sx: number; sy: number; inside: boolean },
  ) {}

  /** True while the view is being dragged by the hand. */
  get panning(): boolean {
    return this.gesture?.tool === this.host.hand;
  }

  /** True while a brush or eraser stroke is in progress. */
  get stroking(): boolean {
    return this.gesture?.tool.continuous ?? false;
  }

  /** Ends the gesture in progress; a stroke already painted is kept as one undo step. */
  end(): void {
    const g = this.gesture;
    this.gesture = null;
    g?.tool.cancel(this.host.ctx);
  }

  /** Tool work and pointer events since the last call, for the frame statistics. */
  takeStats(): { ms: number; events: number } {
    const s = { ms: this.workMs, events: this.events };
    this.workMs = 0;
    this.events = 0;
    return s;
  }

  /** Listens on the viewport; returns the function that stops listening. */
  bind(): () => void {
    const el = this.host.element;
    const listeners: [string, (ev: never) => void, AddEventListenerOptions?][] = [
      ['contextmenu', (ev: Event) => ev.preventDefault()],
      ['pointerdown', (ev: PointerEvent) => this.down(ev)],
      ['pointermove', (ev: PointerEvent) => this.move(ev)],
      ['pointerup', (ev: PointerEvent) => this.up(ev, false)],
      ['pointercancel', (ev: PointerEvent) => this.up(ev, true)],
      ['pointerleave', () => this.leave()],
      ['dblclick', (ev: MouseEvent) => this.dblclick(ev)],
      ['wheel', (ev: WheelEvent) => this.wheel(ev), { passive: false }],
    ];
    for (const [type, fn, opts] of listeners) el.addEventListener(type, fn as EventListener, opts);
    return () => {
      for (const [type, fn, opts] of listeners) el.removeEventListener(type, fn as EventListener, opts);
    };
  }

  private down(ev: PointerEvent): void {
    if (this.gesture) return;
    const host = this.host;
    host.element.focus({ preventScroll: true });
    const pan = ev.button === 1 || ev.button === 2 || host.spaceDown || host.tool.name === 'hand' || (host.readOnly && ev.button === 0);
    if (!pan && (ev.button !== 0 || host.readOnly)) return;
    ev.preventDefault();
    const tool = pan ? host.hand : host.tool;
    const p = this.toPointer(ev, false);
    this.timed(() => {
      if (tool.down(p, host.ctx)) {
        this.gesture = { tool, pointerId: ev.pointerId };
        host.element.setPointerCapture(ev.pointerId);
      }
    });
    host.gestureChanged();
  }

  private move(ev: PointerEvent): void {
    const g = this.gesture;
    if (g && g.pointerId === ev.pointerId) {
      const p = this.toPointer(ev, g.tool.continuous);
      this.timed(() => g.tool.move(p, this.host.ctx));
    } else {
      this.track(ev);
    }
    this.host.moved();
  }

  private up(ev: PointerEvent, cancelled: boolean): void {
    const g = this.gesture;
    if (!g || g.pointerId !== ev.pointerId) return;
    this.gesture = null;
    const el = this.host.element;
    if (el.hasPointerCapture(ev.pointerId)) el.releasePointerCapture(ev.pointerId);
    if (cancelled) g.tool.cancel(this.host.ctx);
    else g.tool.up(this.toPointer(ev, false), this.host.ctx);
    this.host.gestureChanged();
  }

  private leave(): void {
    this.pointer.inside = false;
    this.host.moved();
  }

  private dblclick(ev: MouseEvent): void {
    if (this.host.readOnly || !this.host.tool.dblclick?.(ev.shiftKey, this.host.ctx)) return;
    ev.preventDefault();
    this.host.gestureChanged();
  }

  private wheel(ev: WheelEvent): void {
    ev.preventDefault();
    const [sx, sy] = this.track(ev);
    const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaMode === 2 ? ev.deltaY * 400 : ev.deltaY;
    this.host.zoomBy(Math.exp(-Math.max(-300, Math.min(300, delta)) * 0.0022), sx, sy);
  }

  /** Runs tool work and counts it (reading the pointer position, which may flush layout, is not tool work). */
  private timed(work: () => void): void {
    const t0 = performance.now();
    work();
    this.workMs += performance.now() - t0;
    this.events++;
  }

  /** Viewport position of the event; also remembered as the pointer position. */
  private track(ev: MouseEvent): [number, number] {
    const r = this.host.element.getBoundingClientRect();
    const sx = ev.clientX - r.left;
    const sy = ev.clientY - r.top;
    if (ev.type !== 'wheel') Object.assign(this.pointer, { sx, sy, inside: true });
    return [sx, sy];
  }

  private toPointer(ev: PointerEvent, withTrail: boolean): ToolPointer {
    const view = this.host.ctx.view;
    const [sx, sy] = this.track(ev);
    const [x, y] = toImage(view, sx, sy);
    const coalesced = withTrail && typeof ev.getCoalescedEvents === 'function' ? ev.getCoalescedEvents() : [];
    const left = ev.clientX - sx;
    const top = ev.clientY - sy;
    const trail = coalesced.length ? coalesced.map((e) => toImage(view, e.clientX - left, e.clientY - top)) : [[x, y] as const];
    return { id: ev.pointerId, button: ev.button, shift: ev.shiftKey, alt: ev.altKey, time: performance.now(), sx, sy, x, y, trail };
  }
}
