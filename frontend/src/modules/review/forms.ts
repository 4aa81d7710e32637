/**
 * The review's decision forms: send the section back to chosen annotators
 * with a comment, or exclude it with a reason. Both are one text field plus
 * an optional choice, checked before anything is sent.
 */

import { button, h } from '../../lib/dom';
import { icons } from '../../lib/icons';

interface TextFormOptions {
  field: string;
  rows: number;
  placeholder: string;
  /** More fields between the text and the buttons. */
  extra?: HTMLElement | null;
  submit: HTMLButtonElement;
  /** An error to show instead of sending, or null when the form is complete. */
  check: (text: string) => string | null;
  send: (text: string) => void;
  cancel: () => void;
}

/** A form with one required text field; returns it with its text field (to focus). */
function textForm(o: TextFormOptions): [HTMLFormElement, HTMLTextAreaElement] {
  const text = h('textarea', { rows: o.rows, required: true, placeholder: o.placeholder });
  const err = h('p', { class: 'cw-form-error', hidden: true });
  o.submit.type = 'submit';
  const form = h(
    'form',
    { class: 'cw-form', novalidate: true },
    h('label', { class: 'cw-field' }, h('span', null, o.field), text),
    o.extra ?? null,
    err,
    h('div', { class: 'cw-btn-row' }, o.submit, button('Cancel', { small: true, variant: 'ghost', onClick: o.cancel })),
  );
  let shown = false;
  const recheck = () => {
    // Once an error is shown, it follows the form: it changes or goes as the reviewer types or
    // ticks, instead of staying until the next submit.
    if (!shown) return;
    const problem = o.check(text.value.trim());
    err.textContent = problem ?? '';
    err.hidden = !problem;
    shown = !!problem;
  };
  text.addEventListener('input', recheck);
  form.addEventListener('change', recheck);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = text.value.trim();
    const problem = o.check(value);
    if (problem) {
      err.textContent = problem;
      err.hidden = false;
      shown = true;
      return;
    }
    o.send(value);
  });
  return [form, text];
}

/**
 * `left`: annotators who have left the project, with why (the API refuses a send-back to them):
 * their box is disabled and says so.
 */
export function sendBackForm(
  annotators: string[],
  send: (comment: string, chosen: string[], submit: HTMLButtonElement) => void,
  cancel: () => void,
  left: Record<string, string> = {},
): [HTMLFormElement, HTMLTextAreaElement] {
  const boxes = annotators.map((n) => {
    const why = left[n];
    const c = h('input', { type: 'checkbox', value: n, disabled: !!why });
    const note = why ? h('span', { class: 'cw-muted', 'data-role': 'left-project' }, ' (no longer an annotator)') : null;
    return { n, c, el: h('label', { class: 'cw-check', title: why ?? null }, c, n, note) };
  });
  const chosen = () => boxes.filter((b) => b.c.checked).map((b) => b.n);
  const submit = button('Send back', { variant: 'primary', small: true, icon: icons.send });
  return textForm({
    field: 'Comment',
    rows: 3,
    placeholder: 'What should be corrected? (shown to the annotators)',
    extra: h('fieldset', { class: 'cw-field' }, h('legend', null, 'Annotators who should revise'), ...boxes.map((b) => b.el)),
    submit,
    check: (text) => (!text ? 'Please write a comment.' : !chosen().length ? 'Choose at least one annotator.' : null),
    send: (text) => send(text, chosen(), submit),
    cancel,
  });
}

/** A form with one required reason and one button: exclude the section, or include it again. */
function reasonForm(label: string, variant: 'danger' | 'primary', icon: string, placeholder: string, send: (reason: string, submit: HTMLButtonElement) => void, cancel: () => void): [HTMLFormElement, HTMLTextAreaElement] {
  const submit = button(label, { variant, small: true, icon });
  return textForm({
    field: 'Reason',
    rows: 2,
    placeholder,
    submit,
    check: (text) => (text ? null : 'Please give a reason.'),
    send: (text) => send(text, submit),
    cancel,
  });
}

export function excludeForm(send: (reason: string, submit: HTMLButtonElement) => void, cancel: () => void): [HTMLFormElement, HTMLTextAreaElement] {
  return reasonForm('Exclude section', 'danger', icons.ban, 'e.g. out of focus, no nucleus, artefact', send, cancel);
}

/** Undo of an exclusion: the section goes back where its annotations and ground truth put it. */
export function includeForm(send: (reason: string, submit: HTMLButtonElement) => void, cancel: () => void): [HTMLFormElement, HTMLTextAreaElement] {
  return reasonForm('Include again', 'primary', icons.check, 'e.g. excluded by mistake', send, cancel);
}
