import { describe, expect, it } from 'vitest';
import { channelUrl, withChannel } from '../src/components/ChannelSelect';

describe('section image URLs of a multi-channel section', () => {
  const windowed = (url: string) => `${url}?lo=1&hi=2`;

  it('leaves the first channel as the plain URL, windowed as before', () => {
    expect(withChannel('/api/sections/7/image.png', 0)).toBe('/api/sections/7/image.png');
    expect(channelUrl('/api/sections/7/image.png', { channel: 0 }, windowed)).toBe('/api/sections/7/image.png?lo=1&hi=2');
    expect(channelUrl('/api/sections/7/image.png', null, windowed)).toBe('/api/sections/7/image.png?lo=1&hi=2');
  });

  it('asks for another channel in its own default window', () => {
    expect(withChannel('/api/sections/7/image.png', 1)).toBe('/api/sections/7/image.png?channel=1');
    expect(withChannel('/api/sections/7/image.png?size=64', 2)).toBe('/api/sections/7/image.png?size=64&channel=2');
    expect(channelUrl('/api/sections/7/image.png', { channel: 1 }, windowed)).toBe('/api/sections/7/image.png?channel=1');
  });
});
