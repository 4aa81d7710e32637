/** True when a key event belongs to a text field and must not trigger shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    const nonText = ['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'file'];
    return !nonText.includes(target.type);
  }
  return false;
}

/** Ctrl on Linux/Windows, Cmd on macOS. */
export function isMod(ev: KeyboardEvent | MouseEvent): boolean {
  return ev.ctrlKey || ev.metaKey;
}

export interface ShortcutDef {
  keys: string;
  label: string;
}

export interface ShortcutGroup {
  title: string;
  items: ShortcutDef[];
}

/**
 * Page shortcuts on the document: `pick` names the action a key press stands
 * for, or nothing. Keys typed into text fields and events another handler
 * already took are ignored; a picked key does not also reach the browser.
 */
export function onShortcut(pick: (ev: KeyboardEvent) => (() => void) | null | undefined | false): () => void {
  const listener = (ev: KeyboardEvent) => {
    if (ev.defaultPrevented || isTypingTarget(ev.target)) return;
    const action = pick(ev);
    if (!action) return;
    ev.preventDefault();
    action();
  };
  document.addEventListener('keydown', listener);
  return () => document.removeEventListener('keydown', listener);
}
