// The state banner (issue 6 §7): what the panel's runs are doing and the one or two things to do next.
import type { PanelAction, PanelView } from '../src/shared/protocol';
import { button } from './controls';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';

type Act = (action: PanelAction, runId?: string) => void;

export class Banner {
  private progress: HTMLElementTagNameMap['vscode-progress-bar'] | null = null;
  private runningRunId: string | null = null;

  constructor(private readonly el: HTMLElement, private readonly act: Act) {}

  render(view: PanelView): void {
    const { state, selectedRunId } = view;
    this.el.dataset.state = state;
    const text = document.createElement('p');
    text.className = 'message';
    text.textContent = view.message;
    const parts: Element[] = [text];
    const resume = (): HTMLElement => button('action-resume', 'Resume', () => this.act('resume', selectedRunId ?? undefined));
    // Training again needs the experiment file: a panel of chosen sweeps has none.
    const again = (): HTMLElement[] => (view.target.kind === 'experiment'
      ? [button('action-run', 'Run again', () => this.act('run'), true), button('action-sweep', 'Sweep α', () => this.act('sweep'), true)]
      : []);
    this.progress = null;
    switch (state) {
      case 'empty':
        parts.push(button('action-run', 'Run experiment', () => this.act('run')), button('action-sweep', 'Sweep α', () => this.act('sweep'), true));
        break;
      case 'running': {
        const run = view.runs.find((r) => r.id === selectedRunId);
        this.runningRunId = run?.status === 'running' ? run.id : null;
        this.progress = document.createElement('vscode-progress-bar');
        this.progress.ariaLabel = 'training progress';
        if (run?.totalSteps) {
          this.progress.max = run.totalSteps;
          this.progress.value = run.globalStep ?? view.currentStep ?? 0;
        }
        parts.unshift(this.progress);
        parts.push(button('action-cancel', 'Cancel', () => this.act('cancel', selectedRunId ?? undefined), true));
        break;
      }
      case 'cancelled':
        parts.push(resume(), ...again());
        break;
      case 'failed': {
        parts.push(button('action-open-logs', 'Open logs', () => this.act('openLogs')), resume());
        break;
      }
      case 'finished':
        parts.push(...again());
        break;
    }
    this.el.replaceChildren(...parts);
  }

  /** The live step of the training run moves its progress bar between views. */
  setStep(runId: string, step: number): void {
    if (this.progress && runId === this.runningRunId && this.progress.value !== undefined) this.progress.value = step;
  }
}
