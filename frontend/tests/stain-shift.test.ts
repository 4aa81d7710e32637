import { describe, expect, it } from 'vitest';
import { clampShift, estimateSummary, outlineTransform } from '../src/modules/stainShift';

describe('stain shift card helpers', () => {
  it('reads whole pixels within the bound the server accepts', () => {
    expect(clampShift('3', 48)).toBe(3);
    expect(clampShift('-2.6', 48)).toBe(-3);
    expect(clampShift('200', 48)).toBe(48);
    expect(clampShift(-200, 48)).toBe(-48);
    expect(clampShift('', 48)).toBe(0);
    expect(clampShift('abc', 48)).toBe(0);
  });

  it('moves the outline by the shift in percent of the section', () => {
    expect(outlineTransform(-2, -3, 192, 300)).toBe('translate(-1%, -1.0417%)');
    expect(outlineTransform(0, 0, 64, 64)).toBe('translate(0%, 0%)');
  });

  it('says when an estimate is unreliable and why', () => {
    const good = { dy: -2, dx: -3, z: 0, peak_ratio: 4.2, correlation: 0.88, reliable: true, warnings: [] };
    expect(estimateSummary(good)).toContain('Suggested (-2, -3) px from z0');
    expect(estimateSummary(good)).toMatch(/Reliable\.$/);
    const bad = { ...good, reliable: false, peak_ratio: 1.1, correlation: null, warnings: ['weak peak: 1.10 times the next one (under 2)'] };
    expect(estimateSummary(bad)).toContain('Unreliable');
    expect(estimateSummary(bad)).toContain('weak peak');
    expect(estimateSummary(bad)).toContain('correlation once aligned n/a');
  });
});
