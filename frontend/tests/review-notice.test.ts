import { describe, expect, it } from 'vitest';
import { isReviewNotice, noticeText, sentBackNews } from '../src/modules/annotator/reviewNotice';

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

describe("a save's word of a send-back that named the draft's author", () => {
  const news = { reviewer: 'rita', comment: 'Too big.', at: '2026-12-07T09:12:30.123456Z', answered: false, said: 'rita sent this section back to you (2026-12-07 09:12 UTC): “Too big.”. Your draft was saved: keep editing it and submit when done.' };
  const page = (datetime: string | null) => ({ querySelector: () => (datetime === null ? null : { getAttribute: () => datetime }) }) as unknown as ParentNode;

  it('is shown once the save answers it, and not when there is none', () => {
    expect(sentBackNews(news, page(null))).toBe(news.said);
    expect(sentBackNews(null, page(null))).toBeNull();
  });

  it('is not said twice when the page opened after the send-back already shows it', () => {
    expect(sentBackNews(news, page('2026-12-07T09:12:30.123456+00:00'))).toBeNull();
    expect(sentBackNews(news, page('2026-12-01T08:00:00+00:00'))).toBe(news.said);
  });
});
