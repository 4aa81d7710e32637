/**
 * The annotator's two progress bars in the app bar: the project (sections
 * complete) and mine (submitted, with drafts as a lighter segment). If the
 * template already shows them outside the app, those are kept live instead.
 */

import { getJson } from '../../lib/api';
import { h } from '../../lib/dom';

interface ProgressDto {
  sections_total?: number;
  sections_complete?: number;
  required_per_section?: number;
  mine_submitted?: number;
  mine_drafts?: number;
}

interface ProgressEls {
  project: HTMLElement;
  mine: HTMLElement;
  projectText: HTMLElement;
  mineText: HTMLElement;
  mineDraft: HTMLElement | null;
}

export class ProgressBars {
  /** The bars drawn in the app bar; null when the template's are adopted. */
  readonly el: HTMLElement | null = null;
  private readonly els: ProgressEls;

  constructor(
    root: HTMLElement,
    private readonly url: string,
  ) {
    const adopted = adopt(root);
    if (adopted) {
      this.els = adopted;
      return;
    }
    const bar = (cls: string) => h('div', { class: `cw-progress-bar ${cls}` });
    this.els = {
      project: bar(''),
      mine: bar(''),
      mineDraft: bar('cw-progress-bar-secondary'),
      projectText: h('span', { class: 'cw-progress-caption' }, 'Project …'),
      mineText: h('span', { class: 'cw-progress-caption' }, 'Mine …'),
    };
    const { project, mine, mineDraft, projectText, mineText } = this.els;
    this.el = h(
      'div',
      { class: 'cw-appbar-progress' },
      h('div', { class: 'cw-progress-block' }, projectText, h('div', { class: 'cw-progress', 'data-kind': 'project' }, project)),
      h('div', { class: 'cw-progress-block' }, mineText, h('div', { class: 'cw-progress', 'data-kind': 'mine' }, mine, mineDraft)),
    );
  }

  async refresh(): Promise<void> {
    const els = this.els;
    try {
      const p = await getJson<ProgressDto>(this.url);
      const total = p.sections_total ?? 0;
      const done = p.sections_complete ?? 0;
      const mine = p.mine_submitted ?? 0;
      const drafts = p.mine_drafts ?? 0;
      const pct = (n: number) => (total > 0 ? Math.min(100, (100 * n) / total) : 0);
      els.project.style.width = `${pct(done)}%`;
      els.projectText.textContent = `Project: ${done} / ${total} sections complete`;
      els.projectText.title = p.required_per_section ? `A section is complete when ${p.required_per_section} annotators have submitted it` : '';
      els.mine.style.width = `${pct(mine)}%`;
      els.project.parentElement?.setAttribute('aria-valuenow', String(Math.round(pct(done))));
      els.mine.parentElement?.setAttribute('aria-valuenow', String(Math.round(pct(mine))));
      if (els.mineDraft) els.mineDraft.style.width = `${Math.min(100 - pct(mine), pct(drafts))}%`;
      els.mineText.textContent = `Mine: ${mine} submitted${drafts ? ` · ${drafts} draft${drafts === 1 ? '' : 's'}` : ''}`;
    } catch {
      // Progress is informational; keep the last numbers.
    }
  }
}

/** Finds server-rendered `.cw-progress-block[data-kind=project|mine]` blocks outside the app. */
function adopt(root: HTMLElement): ProgressEls | null {
  const find = (kind: string) => {
    const block = Array.from(document.querySelectorAll<HTMLElement>(`.cw-progress-block[data-kind="${kind}"]`)).find((b) => !root.contains(b));
    const bar = block?.querySelector<HTMLElement>('.cw-progress-bar');
    const text = block?.querySelector<HTMLElement>('.cw-progress-caption');
    return block && bar && text ? { block, bar, text } : null;
  };
  const project = find('project');
  const mine = find('mine');
  if (!project || !mine) return null;
  return { project: project.bar, projectText: project.text, mine: mine.bar, mineText: mine.text, mineDraft: mine.block.querySelector<HTMLElement>('.cw-progress-bar-secondary') };
}
