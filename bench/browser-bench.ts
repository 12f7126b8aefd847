// Page → result in headless Chromium from the confirm click, on SoftHSM.
import type { TestPki } from '../test/fixtures/pki';
import type { Report } from './report';

export async function benchPageToResult(report: Report, _pki: TestPki, _runs: number): Promise<void> {
  report.skip('page → result in Chromium', 'not written yet');
}
