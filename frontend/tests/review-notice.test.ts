import { describe, expect, it } from 'vitest';
import { isReviewNotice, noticeText } from '../src/modules/annotator/reviewNotice';

describe("the annotator's live notice of a review decision", () => {
  const sentBack = { type: 'review_decision' as const, action: 'send_back', by: 'rita', status: 'sent_back', annotators: ['alice'], said: 'rita sent this section back to alice (2026-12-07 09:12 UTC): “Too big.”. It returns to review when they submit again.' };

  it('recognises a notice and nothing else', () => {
    expect(isReviewNotice(sentBack)).toBe(true);
    expect(isReviewNotice({ type: 'hello', section: 3 })).toBe(false);
  });

  it("says the reviewer's words, then what the annotator can do", () => {
    expect(noticeText(sentBack)).toBe(`${sentBack.said} Reopen your annotation, or keep editing your draft, to change it.`);
    const confirmed = { ...sentBack, action: 'confirm', status: 'confirmed', annotators: [], said: "rita confirmed this section's ground truth version 1 (2026-12-07 09:12 UTC)." };
    expect(noticeText(confirmed)).toBe(`${confirmed.said} Your drawing stays on this page, but it can no longer be saved.`);
  });
});
