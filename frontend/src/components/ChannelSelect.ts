/**
 * The "Channel" card of a multi-channel label-free section (e.g. bright-field + phase): one
 * channel is shown at a time, picked here or with X (next channel). The section image endpoint
 * takes the channel as `?channel=k`; the first channel is the plain URL, so single-channel
 * sections never change. Other channels than the first are shown in their own default window
 * (their percentiles): the display window's numbers belong to the first channel.
 */

import { card, h } from '../lib/dom';
import type { WindowControl } from './WindowControl';

export const CHANNEL_SHORTCUT = { keys: 'X', label: 'Next channel of a multi-channel image' };

export class ChannelSelect {
  readonly card: HTMLElement;
  channel = 0;
  private readonly inputs: HTMLInputElement[];

  /** A selector for `names`, or null for a section with one channel. */
  static create(names: readonly string[] | null | undefined, onChange: () => void, windowCtl: WindowControl | null = null): ChannelSelect | null {
    return names && names.length > 1 ? new ChannelSelect(names, onChange, windowCtl) : null;
  }

  private constructor(
    readonly names: readonly string[],
    private readonly onChange: () => void,
    /** The display window, which applies to the first channel only. */
    private readonly windowCtl: WindowControl | null,
  ) {
    const group = `cw-channel-${Math.random().toString(36).slice(2)}`;
    this.inputs = names.map((_name, k) => {
      const input = h('input', { type: 'radio', name: group, value: String(k), 'data-channel': String(k) });
      input.checked = k === 0;
      input.addEventListener('change', () => input.checked && this.set(k));
      return input;
    });
    const radios = this.inputs.map((input, k) => h('label', { class: 'cw-check' }, input, names[k] ?? `channel ${k + 1}`));
    this.card = card(
      h('div', { class: 'cw-card-head' }, h('h2', { class: 'cw-card-title' }, 'Channel'), h('kbd', { class: 'cw-kbd' }, CHANNEL_SHORTCUT.keys)),
      { 'data-card': 'channel' },
      h('div', { class: 'cw-radio-row', role: 'radiogroup', 'aria-label': 'Channel shown' }, ...radios),
    );
  }

  get name(): string {
    return this.names[this.channel] ?? '';
  }

  set(k: number): void {
    const next = ((k % this.names.length) + this.names.length) % this.names.length;
    const input = this.inputs[next];
    if (input) input.checked = true;
    if (next === this.channel) return;
    this.channel = next;
    this.card.dataset.channel = String(next);
    this.windowCtl?.showChannel(next > 0 ? this.name : null, this.names[0] ?? '');
    this.onChange();
  }

  next(): void {
    this.set(this.channel + 1);
  }

  /** `imageUrl` showing the chosen channel (the plain URL for the first). */
  url(imageUrl: string): string {
    return withChannel(imageUrl, this.channel);
  }
}

/** `imageUrl` asking for channel `k` (unchanged for the first channel). */
export function withChannel(imageUrl: string, k: number): string {
  if (k === 0) return imageUrl;
  const base = typeof location !== 'undefined' ? location.href : 'http://localhost/';
  const u = new URL(imageUrl, base);
  u.searchParams.set('channel', String(k));
  const sameOrigin = typeof location !== 'undefined' && u.origin === location.origin;
  return sameOrigin || imageUrl.startsWith('/') ? `${u.pathname}${u.search}${u.hash}` : u.href;
}

/** The URL of a section image in `channels`' channel, windowed by `windowed` only for the first. */
export function channelUrl(imageUrl: string, channels: { channel: number } | null, windowed: (url: string) => string): string {
  return channels && channels.channel > 0 ? withChannel(imageUrl, channels.channel) : windowed(imageUrl);
}
