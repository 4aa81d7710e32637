import { describe, expect, it } from 'vitest';
import { initialWindow, isWindowConfig, otherChannelNote, windowFor, type WindowConfig } from '../src/components/WindowControl';

// A real HL60 tomogram spans RI 1.3295–1.3654; the physical default is 1.33–1.40.
const cfg: WindowConfig = { lo: 1.33, hi: 1.4, min: 1.3, max: 1.46, step: 0.001, units: 'RI', auto: { lo: 1.3297, hi: 1.3652 } };

describe('display window choice', () => {
  it('opens on the saved choice for the volume before anything this browser remembers', () => {
    const saved = { ...cfg, preference: { mode: 'auto' as const, lo: null, hi: null } };
    expect(initialWindow(saved, { mode: 'custom', lo: 1.35, hi: 1.37 })).toEqual({ mode: 'auto', lo: 1.3297, hi: 1.3652 });
    const custom = { ...cfg, preference: { mode: 'custom' as const, lo: 1.331, hi: 1.36 } };
    expect(initialWindow(custom, null)).toEqual({ mode: 'custom', lo: 1.331, hi: 1.36 });
  });

  it('falls back to this browser, then to the physical default', () => {
    expect(initialWindow(cfg, { mode: 'auto' })).toEqual({ mode: 'auto', lo: 1.3297, hi: 1.3652 });
    // The format before modes existed: a bare custom window.
    expect(initialWindow(cfg, { lo: 1.34, hi: 1.38 })).toEqual({ mode: 'custom', lo: 1.34, hi: 1.38 });
    expect(initialWindow(cfg, null)).toEqual({ mode: 'default', lo: 1.33, hi: 1.4 });
    expect(initialWindow(cfg, 'garbage')).toEqual({ mode: 'default', lo: 1.33, hi: 1.4 });
  });

  it('keeps a custom window on the slider and refuses an inverted one', () => {
    expect(windowFor(cfg, 'custom', { lo: 1.2, hi: 1.35 })).toEqual({ mode: 'custom', lo: 1.3, hi: 1.35 });
    expect(windowFor(cfg, 'custom', { lo: 1.38, hi: 1.35 }).mode).toBe('default');
    expect(windowFor(cfg, 'custom', { lo: 1.5, hi: 1.6 }).mode).toBe('default');
  });

  it('offers auto only where the volume has percentiles', () => {
    const without = { ...cfg, auto: null };
    expect(windowFor(without, 'auto')).toEqual({ mode: 'default', lo: 1.33, hi: 1.4 });
    expect(initialWindow({ ...without, preference: { mode: 'auto', lo: null, hi: null } }, null).mode).toBe('default');
  });

  it('accepts a window config only with finite bounds', () => {
    expect(isWindowConfig(cfg)).toBe(true);
    expect(isWindowConfig({ lo: 1, hi: Number.NaN, min: 0, max: 2 })).toBe(false);
  });
});

describe('display window of a multi-channel section', () => {
  it('says which channel it is for while another one is shown', () => {
    expect(otherChannelNote('hoechst', 'bf')).toBe('hoechst is shown in its own default window; this one is for bf');
  });
});
