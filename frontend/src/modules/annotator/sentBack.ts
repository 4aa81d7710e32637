/**
 * The send-back callout above the editor (annotations/templates/annotations/_sent_back.html).
 * Once the annotator submits again it says so at once, as the page does after a reload,
 * instead of still asking for the change that was just made.
 */
export function markSentBackAnswered(root: ParentNode = document): void {
  const callout = root.querySelector<HTMLElement>('[data-sent-back]');
  if (!callout || callout.dataset.answered === 'true') return;
  callout.dataset.answered = 'true';
  callout.classList.replace('cw-callout-warning', 'cw-callout-success');
  callout.querySelector('p')?.append(' · you resubmitted it');
}
