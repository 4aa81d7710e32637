/**
 * Learning-curve page: live progress over the job socket (state.ts folds
 * it), the points finished so far, and a cancel button. The chart, table and
 * downloads are server-rendered from the stored report; when a running job
 * ends the page reloads to show them.
 */

import { h } from '../../lib/dom';
import { FINAL } from '../job/results';
import { ResultsCard, type ResultsCardConfig } from '../job/resultsCard';
import { initialCurveState, reduceCurve, type CurvePoint, type CurveState } from './state';

export interface CurveConfig extends ResultsCardConfig {
  module: 'lcurve';
  total?: number;
  /** Points finished when the page was rendered. */
  points?: CurvePoint[];
}

function pointText(p: CurvePoint | undefined): string {
  if (!p) return '';
  const dice = p.dice == null ? '—' : p.dice.toFixed(3);
  return `Last point: ${p.start === 'pretrained' ? 'pretrained' : 'from scratch'}, n = ${p.n}, seed ${p.seed}: Dice ${dice}`;
}

export class CurvePage {
  private readonly latest = h('div', { class: 'cw-muted', 'data-role': 'latest-point' });
  private readonly live: ResultsCard<CurveState>;

  constructor(root: HTMLElement, cfg: CurveConfig) {
    this.live = new ResultsCard(root, cfg, {
      what: 'learning curve',
      progressLabel: 'Learning-curve progress',
      initial: initialCurveState(cfg.status, cfg.total ?? 0, cfg.points ?? []),
      reduce: reduceCurve,
      fraction: (s) => s.progress,
      caption: (s) => {
        const now = FINAL.has(s.status) ? '' : s.message;
        return `${s.points.length} of ${s.total || '?'} points done${now ? ` · ${now}` : ''}`;
      },
      // The chart, table and files are rendered by the server from what the job stored.
      hasResults: (status) => FINAL.has(status),
      extra: [this.latest],
      rendered: (s) => {
        root.dataset.points = String(s.points.length);
        this.latest.textContent = pointText(s.points[s.points.length - 1]);
      },
    });
  }

  get state(): CurveState {
    return this.live.state;
  }
}

export function mountCurve(root: HTMLElement, config: CurveConfig): CurvePage {
  return new CurvePage(root, config);
}
