/**
 * The label table: which values the mask buffer may hold and how each is
 * drawn. 0 is always background. A project's label set (the page config's
 * `labels`) gives the rows: each class with its colour, shortcut and kind; the
 * classes of kind `instances` also number each object (see instances.ts).
 */

import type { PaintRule } from './instances';
import { buildPalette, parseColour } from './render';

export type LabelKind = 'region' | 'instances';

export interface Label {
  /** The byte stored in the mask buffer, 1…255. */
  value: number;
  name: string;
  colour: string;
  /** One key that selects the class in the editor. */
  shortcut?: string;
  /** Instances: each object numbered. Left out: the editor stores plain binary masks. */
  kind?: LabelKind;
}

export const BACKGROUND = 0;

export const NUCLEUS: Readonly<Label> = { value: 1, name: 'nucleus', colour: '#00e5ff' };

export class LabelTable {
  private readonly rows: Label[];
  private activeIndex = 0;
  private lut: Uint8Array | null = null;

  /** What painting over another class does (the project's rule). */
  paintRule: PaintRule = 'replace';

  constructor(labels: readonly Label[] = [NUCLEUS], paintRule: PaintRule = 'replace') {
    this.paintRule = paintRule;
    if (!labels.length) throw new Error('a label table needs at least one label');
    const seen = new Set<number>();
    for (const l of labels) {
      if (!Number.isInteger(l.value) || l.value < 1 || l.value > 255) throw new Error(`label "${l.name}" needs a value from 1 to 255`);
      if (seen.has(l.value)) throw new Error(`label value ${l.value} is used twice`);
      seen.add(l.value);
    }
    this.rows = labels.map((l) => ({ ...l }));
  }

  get labels(): readonly Readonly<Label>[] {
    return this.rows;
  }

  /** The label the drawing tools paint. */
  get active(): Readonly<Label> {
    return this.rows[this.activeIndex]!;
  }

  setActive(value: number): void {
    const i = this.rows.findIndex((l) => l.value === value);
    if (i < 0) throw new Error(`no label with value ${value}`);
    this.activeIndex = i;
  }

  /** True when the table comes from a label set (the editor then saves label maps). */
  get hasKinds(): boolean {
    return this.rows.some((l) => l.kind !== undefined);
  }

  isInstance(value: number): boolean {
    return this.get(value)?.kind === 'instances';
  }

  /** The class a shortcut key selects. */
  forKey(key: string): Readonly<Label> | undefined {
    const k = key.toLowerCase();
    return this.rows.find((l) => l.shortcut && l.shortcut.toLowerCase() === k);
  }

  get(value: number): Readonly<Label> | undefined {
    return this.rows.find((l) => l.value === value);
  }

  setColour(value: number, colour: string): void {
    const row = this.rows.find((l) => l.value === value);
    if (!row) throw new Error(`no label with value ${value}`);
    row.colour = colour;
    this.lut = null;
  }

  /** RGB by label value for the renderer (see render.ts `buildPalette`). */
  get palette(): Uint8Array {
    this.lut ??= buildPalette(
      this.rows.map((l) => ({ value: l.value, rgb: parseColour(l.colour) })),
      parseColour(this.rows[0]!.colour),
    );
    return this.lut;
  }

  /**
   * Coerces any byte mask to label values in place: known labels stay, any
   * other non-zero value becomes the first label, so the 0/255 and 0/1 masks
   * the server stores load as nucleus.
   */
  coerce(mask: Uint8Array): Uint8Array {
    const known = new Uint8Array(256);
    for (const l of this.rows) known[l.value] = 1;
    const first = this.rows[0]!.value;
    for (let i = 0; i < mask.length; i++) {
      const v = mask[i]!;
      if (v && !known[v]) mask[i] = first;
    }
    return mask;
  }
}
