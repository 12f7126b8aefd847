// Page-client calls made inside a browser page, in Playwright (Chromium) and Puppeteer (Firefox) alike:
// start one (`startCall`), then await how it ended (`callOutcome`): its result, or the error code.

export type Outcome<R = Record<string, unknown>> = { ok: true; result: R } | { ok: false; code: string; message: string };
export type PageClientAction = 'status' | 'authenticate' | 'sign';

/** What both libraries' pages offer: evaluate an expression in the page (a promise is awaited). */
export interface EvaluatingPage {
  evaluate(expression: string): Promise<unknown>;
}

/** Runs in the page: starts the call on the page client (`window.tokensign`) and keeps its outcome. */
function startInPage(action: PageClientAction, params: Record<string, unknown>): void {
  type Client = typeof import('../../extension/page-client/index');
  const w = window as unknown as { tokensign: Client; __outcome?: Promise<unknown> };
  const call = action === 'status' ? w.tokensign.status() : action === 'authenticate' ? w.tokensign.authenticate(params as never) : w.tokensign.sign(params as never);
  w.__outcome = call.then(
    (result) => ({ ok: true, result }),
    (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }),
  );
}

/** Starts a page-client call in the page; `callOutcome(page)` awaits it. */
export async function startCall(page: EvaluatingPage, action: PageClientAction, params: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(`(${startInPage.toString()})(${JSON.stringify(action)}, ${JSON.stringify(params)})`);
}

/** How the call started last in the page ended. */
export async function callOutcome<R = Record<string, unknown>>(page: EvaluatingPage): Promise<Outcome<R>> {
  return (await page.evaluate('window.__outcome')) as Outcome<R>;
}

export async function callPageClient(page: EvaluatingPage, action: PageClientAction, params: Record<string, unknown> = {}): Promise<Outcome> {
  await startCall(page, action, params);
  return callOutcome(page);
}
