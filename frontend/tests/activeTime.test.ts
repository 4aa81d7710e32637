import { describe, expect, it } from 'vitest';
import { ActiveTime } from '../src/modules/annotator/activeTime';

describe('ActiveTime', () => {
  it('counts gaps up to 60 s and skips idle periods', () => {
    const t = new ActiveTime();
    t.touch(0);
    t.touch(10_000);
    t.touch(20_000);
    t.touch(200_000); // 180 s idle: not counted
    t.touch(205_000);
    expect(t.take()).toBe(25);
    expect(t.take()).toBe(0);
    t.giveBack(4);
    expect(t.peek()).toBe(4);
  });
});
