/**
 * Evaluation report helpers: checkboxes `input[data-layer="gt|pred|edge"]`
 * show or hide the matching `[data-layer-img="…"]` images stacked inside
 * each `.cw-overlay` figure. Works on server-rendered markup anywhere on the
 * page, so it needs no config beyond the module name.
 */

export interface ReportConfig {
  module: 'report';
}

export class ReportPage {
  constructor(private readonly scope: ParentNode = document) {
    for (const input of this.inputs()) {
      input.addEventListener('change', () => this.apply(input));
      this.apply(input);
    }
  }

  private inputs(): HTMLInputElement[] {
    return Array.from(this.scope.querySelectorAll<HTMLInputElement>('input[data-layer]'));
  }

  apply(input: HTMLInputElement): void {
    const layer = input.dataset.layer;
    if (!layer) return;
    for (const img of this.scope.querySelectorAll<HTMLElement>(`[data-layer-img="${CSS.escape(layer)}"]`)) {
      img.hidden = !input.checked;
    }
  }

  setLayer(layer: string, visible: boolean): void {
    for (const input of this.inputs()) {
      if (input.dataset.layer === layer) {
        input.checked = visible;
        this.apply(input);
      }
    }
  }
}

export function mountReport(_root: HTMLElement | null, _config: ReportConfig): ReportPage {
  return new ReportPage(document);
}
