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
