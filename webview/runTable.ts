// Every run of the panel's sweeps, sortable by any column. A click selects the run (its loss and
// schedule are drawn), a double click or Enter opens it.
import type { PanelRun } from '../src/shared/protocol';
import { COLUMNS, sortRuns, type SortKey } from './runOrder';

export class RunTable {
  private runs: readonly PanelRun[] = [];
  private selectedRunId: string | null = null;
  /** null: the host's order (role, α, seed), until a header is clicked. */
  private sort: { key: SortKey; direction: 1 | -1 } | null = null;
  private readonly body: HTMLTableSectionElement;

  constructor(private readonly table: HTMLTableElement, private readonly select: (runId: string) => void, private readonly open: (runId: string) => void) {
    const head = table.createTHead().insertRow();
    for (const c of COLUMNS) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.dataset.sortKey = c.key;
      th.tabIndex = 0;
      th.textContent = c.title;
      th.classList.toggle('numeric', c.numeric);
      th.addEventListener('click', () => this.sortBy(c.key));
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.sortBy(c.key);
        }
      });
      head.append(th);
    }
    this.body = table.createTBody();
  }

  render(runs: readonly PanelRun[], selectedRunId: string | null): void {
    this.runs = runs;
    this.selectedRunId = selectedRunId;
    this.renderBody();
  }

  /** A second click on the same column reverses the order. */
  private sortBy(key: SortKey): void {
    this.sort = { key, direction: this.sort?.key === key ? (-this.sort.direction as 1 | -1) : 1 };
    for (const th of this.table.tHead!.querySelectorAll('th')) {
      th.setAttribute('aria-sort', th.dataset.sortKey !== key ? 'none' : this.sort.direction === 1 ? 'ascending' : 'descending');
    }
    this.renderBody();
  }

  private renderBody(): void {
    const rows = this.sort ? sortRuns(this.runs, this.sort.key, this.sort.direction) : this.runs;
    this.body.replaceChildren(...rows.map((r) => this.row(r)));
    if (rows.length === 0) {
      const cell = this.body.insertRow().insertCell();
      cell.colSpan = COLUMNS.length;
      cell.className = 'empty';
      cell.textContent = 'No runs yet.';
    }
  }

  private row(r: PanelRun): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset.runId = r.id;
    tr.dataset.status = r.status;
    tr.tabIndex = 0;
    tr.title = r.error ? `${r.id}\n${r.error}` : r.id;
    tr.setAttribute('aria-selected', String(r.id === this.selectedRunId));
    for (const c of COLUMNS) {
      const td = tr.insertCell();
      td.textContent = c.text(r);
      td.classList.toggle('numeric', c.numeric);
    }
    tr.addEventListener('click', () => this.select(r.id));
    tr.addEventListener('dblclick', () => this.open(r.id));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.open(r.id);
      else if (e.key === ' ') {
        e.preventDefault();
        this.select(r.id);
      }
    });
    return tr;
  }
}
