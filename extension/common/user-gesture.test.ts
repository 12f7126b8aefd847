import { describe, expect, it } from 'vitest';
import { CARRY_LIMIT_MS, CARRY_MS, GestureCarry } from './user-gesture';

/** A page whose browser activation the test turns on and off, on a clock the test moves. */
function page(): { carry: GestureCarry; click(): void; wait(ms: number): void } {
  let now = 1_000;
  let activeUntil = Number.NEGATIVE_INFINITY;
  const carry = new GestureCarry(
    () => now < activeUntil,
    () => now,
  );
  return {
    carry,
    click: () => (activeUntil = now + 5_000),
    wait: (ms) => (now += ms),
  };
}

describe('GestureCarry', () => {
  it('opens no window without a click, and one right after a click', () => {
    const p = page();
    expect(p.carry.allows()).toBe(false);
    p.click();
    expect(p.carry.allows()).toBe(true);
    p.wait(6_000);
    expect(p.carry.allows()).toBe(false);
  });

  it('does not count the time the page waited for Tokensign\'s answer (a slow token) against the click', () => {
    const p = page();
    p.click();
    const listing = p.carry.sent(false);
    p.wait(9_000); // the token reads its objects
    expect(p.carry.allows()).toBe(false);
    p.carry.answered(listing, true);
    expect(p.carry.allows()).toBe(true);
    p.wait(CARRY_MS + 1);
    expect(p.carry.allows()).toBe(false);
  });

  it('carries nothing for a call the page made without a click', () => {
    const p = page();
    const listing = p.carry.sent(false);
    p.wait(1_000);
    p.carry.answered(listing, true);
    expect(p.carry.allows()).toBe(false);
  });

  it('a page that keeps asking keeps the click at most CARRY_LIMIT_MS', () => {
    const p = page();
    p.click();
    let elapsed = 0;
    while (elapsed < CARRY_LIMIT_MS + 10_000) {
      const call = p.carry.sent(false);
      p.wait(1_000);
      elapsed += 1_000;
      p.carry.answered(call, true);
    }
    expect(p.carry.allows()).toBe(false);
  });

  it('a window the person confirmed lets the next one open (several documents after one click); a cancelled one does not', () => {
    const p = page();
    p.click();
    const first = p.carry.sent(true);
    p.wait(20_000); // the person reads and types the PIN
    p.carry.answered(first, true);
    expect(p.carry.allows()).toBe(true);
    const second = p.carry.sent(true);
    p.wait(2_000);
    p.carry.answered(second, false); // cancelled
    expect(p.carry.allows()).toBe(false);
    // A new click opens windows again.
    p.click();
    expect(p.carry.allows()).toBe(true);
  });

  it('a cancelled window ends a click carried by earlier answers', () => {
    const p = page();
    p.click();
    const listing = p.carry.sent(false);
    const signing = p.carry.sent(true);
    p.wait(8_000);
    p.carry.answered(listing, true);
    p.carry.answered(signing, false);
    expect(p.carry.allows()).toBe(false);
  });
});
