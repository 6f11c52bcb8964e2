// Playwright helpers for the VS Code web workbench (1.100): quick open, command palette, code lenses,
// notifications, status bar, the activity bar. Selectors as in ../shared/notes/vscode-e2e.md §4.3.

import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { sleep } from './launch';

export class Workbench {
  constructor(
    readonly page: Page,
    private readonly shots: string,
  ) {}

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  async screenshot(name: string): Promise<string> {
    const path = join(this.shots, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /** Ctrl+P, the file name, Enter; then waits for its tab and a focused editor. */
  async quickOpen(fileName: string, timeoutMs = 60_000): Promise<void> {
    const t0 = Date.now();
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('Control+P');
      try {
        await this.quickInput.waitFor({ state: 'visible', timeout: 3000 });
        await this.quickInput.fill(fileName);
        // The first file search after startup can come back empty (the search service is not up yet);
        // a fresh query a moment later finds the file, so retry soon rather than wait long.
        await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: 2000 });
        await this.page.keyboard.press('Enter');
        break;
      } catch (err) {
        if (attempt > 1) console.log(`  (quick open attempt ${attempt} after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${String(err).split('\n')[0]})`);
        if (Date.now() - t0 > timeoutMs) throw err;
        await this.page.keyboard.press('Escape');
        await sleep(500);
      }
    }
    await this.page.locator('.tabs-container .tab', { hasText: fileName }).first().waitFor({ state: 'visible', timeout: timeoutMs });
    // Keys pressed right after opening a file can be lost under load: wait for the editor to have focus.
    await this.page.locator('.editor-instance .monaco-editor.focused').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** F1, ">" + title, Enter; retried because the palette can open before the commands are registered. */
  async runCommand(title: string, timeoutMs = 60_000): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      await this.page.keyboard.press('F1');
      try {
        await this.quickInput.waitFor({ state: 'visible', timeout: 3000 });
        await this.quickInput.fill(`>${title}`);
        await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout: 3000 });
        await this.page.keyboard.press('Enter');
        return;
      } catch (err) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`command "${title}" not found in the palette within ${timeoutMs / 1000} s: ${String(err)}`);
        await this.page.keyboard.press('Escape');
        await sleep(500);
      }
    }
  }

  /** Ctrl+K Ctrl+T (the color theme picker), then the theme by name. */
  async colorTheme(name: string): Promise<void> {
    await this.page.keyboard.press('Control+K');
    await this.page.keyboard.press('Control+T');
    await this.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await this.quickInput.fill(name);
    await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await this.page.keyboard.press('Enter');
  }

  codeLens(title: string): Locator {
    return this.page.locator('.monaco-editor .codelens-decoration a', { hasText: title }).first();
  }

  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  }

  statusItem(text: string | RegExp): Locator {
    return this.page.locator('.part.statusbar .statusbar-item', { hasText: text }).first();
  }

  /** The activity-bar entry of a view container, by its title. */
  activity(title: string): Locator {
    return this.page.locator(`.part.activitybar .action-item a.action-label[aria-label^="${title}"]`).first();
  }

  /**
   * Records every status-bar text that matches `pattern` from now on (a MutationObserver in the page),
   * so an item that shows for only a moment is still seen. Read it with seenStatus().
   */
  async watchStatusBar(pattern: string): Promise<void> {
    await this.page.evaluate(`(() => {
      window.__seenStatus = window.__seenStatus || [];
      const re = new RegExp(${JSON.stringify(pattern)});
      const look = () => {
        for (const el of document.querySelectorAll('.part.statusbar .statusbar-item')) {
          const t = (el.textContent || '').trim();
          const c = el.querySelector('.codicon');
          const icon = c ? Array.from(c.classList).find((k) => k.startsWith('codicon-') && !k.startsWith('codicon-modifier-')) : '';
          const spin = c && c.classList.contains('codicon-modifier-spin') ? '~spin' : '';
          const s = (icon ? '$(' + icon.slice(8) + spin + ') ' : '') + t;
          if (re.test(t) && !window.__seenStatus.includes(s)) window.__seenStatus.push(s);
        }
      };
      look();
      new MutationObserver(look).observe(document.querySelector('.part.statusbar'), { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);
  }

  async seenStatus(): Promise<string[]> {
    return (await this.page.evaluate('window.__seenStatus || []')) as string[];
  }
}
