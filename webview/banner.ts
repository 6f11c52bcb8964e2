// The state banner (issue 6 §7): what the panel's runs are doing and the one or two things to do next.
import type { PanelAction, PanelState, PanelView } from '../src/shared/protocol';
import { button } from './controls';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';

type Act = (action: PanelAction, runId?: string) => void;

/** What each state says when the host sends no message of its own. */
const DEFAULT_TEXT: Record<PanelState, string> = {
  empty: 'No runs yet. Run the experiment once, or sweep α over the values in its file; results appear here as they train.',
  running: 'Training…',
  cancelled: 'Cancelled. Resume continues from the last checkpoint.',
  failed: 'The run failed.',
  finished: 'All runs finished.',
};

/** "12 runs finished, 1 failed": the finished state's summary when the host gives none. */
function summary(view: PanelView): string {
  const count = (status: string): number => view.runs.filter((r) => r.status === status).length;
  const finished = count('finished');
  if (view.runs.length === 0) return DEFAULT_TEXT.finished;
  const others = (['failed', 'cancelled', 'damaged'] as const).map((s) => [s, count(s)] as const).filter(([, n]) => n > 0);
  return [`${finished} run${finished === 1 ? '' : 's'} finished`, ...others.map(([s, n]) => `${n} ${s}`)].join(', ') + '.';
}

export class Banner {
  private progress: HTMLElementTagNameMap['vscode-progress-bar'] | null = null;
  private runningRunId: string | null = null;

  constructor(private readonly el: HTMLElement, private readonly act: Act) {}

  render(view: PanelView): void {
    const { state, selectedRunId } = view;
    this.el.dataset.state = state;
    const text = document.createElement('p');
    text.className = 'message';
    text.textContent = view.message || (state === 'finished' ? summary(view) : DEFAULT_TEXT[state]);
    const parts: Element[] = [text];
    const resume = (): HTMLElement => button('action-resume', 'Resume', () => this.act('resume', selectedRunId ?? undefined));
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
        parts.push(resume());
        break;
      case 'failed': {
        const hint = document.createElement('p');
        hint.className = 'hint';
        hint.textContent = 'Open the logs for the whole error; once its cause is fixed, Resume continues from the last checkpoint.';
        parts.push(hint, button('action-open-logs', 'Open logs', () => this.act('openLogs')), resume());
        break;
      }
      case 'finished':
        break;
    }
    this.el.replaceChildren(...parts);
  }

  /** The live step of the training run moves its progress bar between views. */
  setStep(runId: string, step: number): void {
    if (this.progress && runId === this.runningRunId && this.progress.value !== undefined) this.progress.value = step;
  }
}
