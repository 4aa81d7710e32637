/** Minimal element builder: keeps the page modules readable without a framework. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'class') {
        el.className = String(value);
      } else if (key === 'text') {
        el.textContent = String(value);
      } else if (key === 'html') {
        el.innerHTML = String(value);
      } else if (value === true) {
        el.setAttribute(key, '');
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function setChildren(el: Element, ...children: (Child | Child[])[]): void {
  clear(el);
  append(el, children);
}

/** Button with an optional icon, label and shortcut hint, the same everywhere. */
export function button(
  label: string,
  opts: {
    icon?: string;
    kbd?: string;
    title?: string;
    variant?: 'primary' | 'danger' | 'ghost' | 'default';
    onClick?: (ev: MouseEvent) => void;
    small?: boolean;
    attrs?: Attrs;
  } = {},
): HTMLButtonElement {
  const cls = ['cw-btn'];
  if (opts.variant && opts.variant !== 'default') cls.push(`cw-btn-${opts.variant}`);
  if (opts.small) cls.push('cw-btn-sm');
  const btn = h(
    'button',
    { type: 'button', class: cls.join(' '), title: opts.title ?? (opts.kbd ? `${label} (${opts.kbd})` : null), ...opts.attrs },
    opts.icon ? h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: opts.icon }) : null,
    h('span', { class: 'cw-btn-label' }, label),
    opts.kbd ? h('kbd', { class: 'cw-kbd' }, opts.kbd) : null,
  );
  if (opts.onClick) btn.addEventListener('click', opts.onClick as EventListener);
  return btn;
}

/** A sidebar card: a white panel under a small-caps heading (or a heading row given as an element). */
export function card(title: string | HTMLElement, attrs: Attrs | null, ...children: (Child | Child[])[]): HTMLElement {
  const head = typeof title === 'string' ? h('h2', { class: 'cw-card-title' }, title) : title;
  const cls = attrs?.class ? `cw-card ${String(attrs.class)}` : 'cw-card';
  return h('section', { ...attrs, class: cls }, head, ...children);
}

/** The "Next section" link a page offers once the section is done (N follows it too). */
export function nextLink(url: string, icon: string): HTMLAnchorElement {
  return h(
    'a',
    { class: 'cw-btn cw-btn-primary', href: url, 'data-action': 'next' },
    h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icon }),
    h('span', { class: 'cw-btn-label' }, 'Next section'),
    h('kbd', { class: 'cw-kbd' }, 'N'),
  );
}

export function progressBar(label?: string): { el: HTMLElement; set(fraction: number | null, text?: string): void } {
  const bar = h('div', { class: 'cw-progress-bar' });
  const text = h('span', { class: 'cw-progress-text' });
  const el = h('div', { class: 'cw-progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': label ?? null }, bar, text);
  return {
    el,
    set(fraction, t) {
      if (fraction === null || !Number.isFinite(fraction)) {
        el.classList.add('cw-progress-indeterminate');
        el.removeAttribute('aria-valuenow');
        bar.style.width = '';
      } else {
        const f = Math.min(1, Math.max(0, fraction));
        el.classList.remove('cw-progress-indeterminate');
        bar.style.width = `${(f * 100).toFixed(1)}%`;
        el.setAttribute('aria-valuenow', String(Math.round(f * 100)));
      }
      text.textContent = t ?? '';
    },
  };
}
