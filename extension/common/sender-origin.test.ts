// The sender-origin rule on the sender shapes Chromium and Firefox hand the background.
import { describe, expect, it } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import { browserReportedOrigin } from './sender-origin';

const sender = (fields: Record<string, unknown>): Runtime.MessageSender => fields as Runtime.MessageSender;

describe('browserReportedOrigin', () => {
  it('takes the browser-reported origin first, then the origin of the sender url', () => {
    expect(browserReportedOrigin(sender({ origin: 'https://a.example', url: 'https://b.example/x' }))).toBe('https://a.example');
    expect(browserReportedOrigin(sender({ url: 'https://b.example:8443/path?q#f' }))).toBe('https://b.example:8443');
  });

  it('gives null for no sender, an opaque origin, a data: url or a url that does not parse', () => {
    expect(browserReportedOrigin(undefined)).toBeNull();
    expect(browserReportedOrigin(sender({ origin: 'null' }))).toBeNull();
    expect(browserReportedOrigin(sender({ url: 'data:text/html,hi' }))).toBeNull();
    expect(browserReportedOrigin(sender({ url: 'not a url' }))).toBeNull();
  });
});
