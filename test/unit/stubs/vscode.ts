// A hand-written stand-in for the `vscode` module, enough for the extension to activate in plain Node
// (test/unit/stubs/register-vscode.ts points require('vscode') here). It records what the extension
// registers and shows, and lets a test script quick picks, settings and workspace trust.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

type Listener<T> = (e: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly path: string, readonly query = '', readonly fragment = '', readonly authority = '') {}
  static file(p: string): Uri {
    return new Uri('file', p.split(sep).join('/'));
  }
  static parse(s: string): Uri {
    const u = new URL(s);
    return new Uri(u.protocol.replace(/:$/, ''), decodeURIComponent(u.pathname), u.search.replace(/^\?/, ''));
  }
  static from(c: { scheme: string; path?: string; query?: string; fragment?: string; authority?: string }): Uri {
    return new Uri(c.scheme, c.path ?? '', c.query ?? '', c.fragment ?? '', c.authority ?? '');
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return base.with({ path: [base.path.replace(/\/$/, ''), ...parts].join('/') });
  }
  get fsPath(): string {
    return this.path.split('/').join(sep);
  }
  with(c: { scheme?: string; path?: string; query?: string }): Uri {
    return new Uri(c.scheme ?? this.scheme, c.path ?? this.path, c.query ?? this.query, this.fragment, this.authority);
  }
  toString(): string {
    return this.scheme === 'file' ? pathToFileURL(this.path).toString() : `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
}

export class CodeLens {
  constructor(public range: Range, public command?: { title: string; command: string; arguments?: unknown[]; tooltip?: string }) {}
  get isResolved(): boolean {
    return this.command !== undefined;
  }
}

export enum TreeItemCollapsibleState { None = 0, Collapsed = 1, Expanded = 2 }
export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: unknown;
  resourceUri?: Uri;
  constructor(public label: string, public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None) {}
}
export class ThemeIcon {
  constructor(readonly id: string, readonly color?: ThemeColor) {}
}
export class ThemeColor {
  constructor(readonly id: string) {}
}
export class MarkdownString {
  constructor(public value = '') {}
}
export class Hover {
  /** As in VS Code: always a list. */
  readonly contents: MarkdownString[];
  constructor(contents: MarkdownString | MarkdownString[], public range?: Range) {
    this.contents = Array.isArray(contents) ? contents : [contents];
  }
}

export enum DiagnosticSeverity { Error = 0, Warning = 1, Information = 2, Hint = 3 }
export class Diagnostic {
  source?: string;
  code?: string | number;
  constructor(public range: Range, public message: string, public severity: DiagnosticSeverity = DiagnosticSeverity.Error) {}
}
export class CodeActionKind {
  static readonly QuickFix = new CodeActionKind('quickfix');
  constructor(readonly value: string) {}
}
export class CodeAction {
  command?: { title: string; command: string; arguments?: unknown[] };
  diagnostics?: Diagnostic[];
  isPreferred?: boolean;
  constructor(public title: string, public kind?: CodeActionKind) {}
}
export class RelativePattern {
  constructor(readonly base: Uri | { uri: Uri }, readonly pattern: string) {}
}
export enum StatusBarAlignment { Left = 1, Right = 2 }
export enum ViewColumn { Active = -1, Beside = -2, One = 1, Two = 2 }
export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
export enum ConfigurationTarget { Global = 1, Workspace = 2, WorkspaceFolder = 3 }
export enum UIKind { Desktop = 1, Web = 2 }
export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
}

// ---- documents ----

export interface StubDocument {
  uri: Uri;
  version: number;
  isDirty: boolean;
  isClosed: boolean;
  languageId: string;
  getText(): string;
  positionAt(offset: number): Position;
  offsetAt(p: Position): number;
  save(): Promise<boolean>;
  setText(text: string): void;
}

export function createDocument(uri: Uri, text: string): StubDocument {
  let content = text;
  const doc: StubDocument = {
    uri, version: 1, isDirty: false, isClosed: false, languageId: 'json',
    getText: () => content,
    positionAt(offset: number) {
      const before = content.slice(0, Math.max(0, Math.min(offset, content.length)));
      const lines = before.split('\n');
      return new Position(lines.length - 1, lines.at(-1)!.length);
    },
    offsetAt(p: Position) {
      const lines = content.split('\n');
      let o = 0;
      for (let i = 0; i < p.line; i++) o += lines[i]!.length + 1;
      return o + p.character;
    },
    async save() {
      if (uri.scheme === 'file') writeFileSync(uri.fsPath, content);
      doc.isDirty = false;
      return true;
    },
    setText(t: string) {
      content = t;
      doc.version++;
      doc.isDirty = true;
    },
  };
  return doc;
}

// ---- the state a test reads and scripts ----

export interface Shown { kind: 'info' | 'warning' | 'error'; message: string; items: string[] }

export const stub = {
  commands: new Map<string, (...args: any[]) => unknown>(),
  messages: [] as Shown[],
  logLines: [] as string[],
  settings: new Map<string, unknown>(),
  /** Answers for showQuickPick, in order: a function picks from the items, undefined dismisses. */
  quickPicks: [] as ((items: any[]) => unknown)[],
  saveDialogs: [] as (Uri | undefined)[],
  /** Answer for modal warnings (e.g. "Delete"); undefined = dismissed. */
  modalAnswer: undefined as string | undefined,
  codeLensProviders: [] as { selector: unknown; provider: any }[],
  codeActionProviders: [] as { selector: unknown; provider: any }[],
  hoverProviders: [] as { selector: unknown; provider: any }[],
  treeProviders: new Map<string, any>(),
  treeViews: new Map<string, any>(),
  contentProviders: new Map<string, any>(),
  diagnostics: new Map<string, Map<string, Diagnostic[]>>(),
  statusBarItems: [] as any[],
  watchers: [] as { pattern: unknown; create: EventEmitter<Uri>; change: EventEmitter<Uri>; del: EventEmitter<Uri> }[],
  documents: [] as StubDocument[],
  shownDocuments: [] as Uri[],
  executed: [] as { id: string; args: unknown[] }[],
  webviewPanels: [] as StubWebviewPanel[],
  panelSerializers: new Map<string, unknown>(),
  progress: [] as { title?: string; location: ProgressLocation; reports: { message?: string; increment?: number }[] }[],
  folders: [] as { uri: Uri; name: string; index: number }[],
  trusted: true,
  configEvents: new EventEmitter<{ affectsConfiguration(s: string): boolean }>(),
  docEvents: { open: new EventEmitter<StubDocument>(), save: new EventEmitter<StubDocument>(), change: new EventEmitter<{ document: StubDocument }>(), close: new EventEmitter<StubDocument>() },
  reset(): void {
    this.commands.clear();
    this.messages.length = 0;
    this.logLines.length = 0;
    this.settings.clear();
    this.quickPicks.length = 0;
    this.saveDialogs.length = 0;
    this.modalAnswer = undefined;
    this.codeLensProviders.length = 0;
    this.codeActionProviders.length = 0;
    this.hoverProviders.length = 0;
    this.treeProviders.clear();
    this.treeViews.clear();
    this.contentProviders.clear();
    this.diagnostics.clear();
    this.statusBarItems.length = 0;
    this.watchers.length = 0;
    this.documents.length = 0;
    this.shownDocuments.length = 0;
    this.executed.length = 0;
    this.webviewPanels.length = 0;
    this.panelSerializers.clear();
    this.progress.length = 0;
    this.folders.length = 0;
    this.trusted = true;
    window.activeTextEditor = undefined;
  },
  /** Opens a document as VS Code would (fires onDidOpenTextDocument). */
  open(uri: Uri, text?: string): StubDocument {
    const doc = createDocument(uri, text ?? readFileSync(uri.fsPath, 'utf8'));
    this.documents.push(doc);
    this.docEvents.open.fire(doc);
    return doc;
  },
};

function message(kind: Shown['kind']) {
  return (msg: string, ...rest: unknown[]): Promise<string | undefined> => {
    const modal = typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { modal?: boolean }).modal;
    const items = rest.filter((r): r is string => typeof r === 'string');
    stub.messages.push({ kind, message: msg, items });
    return Promise.resolve(modal ? stub.modalAnswer : undefined);
  };
}

function outputChannel(name: string) {
  const line = (level: string) => (msg: string) => void stub.logLines.push(`[${level}] ${msg}`);
  return {
    name, trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warning'), error: line('error'),
    append: (s: string) => void stub.logLines.push(s), appendLine: (s: string) => void stub.logLines.push(s),
    show: () => undefined, hide: () => undefined, clear: () => undefined, dispose: () => undefined,
  };
}

/** A webview panel that records what the host posts and lets a test play the page (`receive`). */
export class StubWebviewPanel {
  readonly posted: unknown[] = [];
  title = '';
  active = true;
  visible = true;
  iconPath: unknown;
  private readonly incoming = new EventEmitter<unknown>();
  private readonly disposed = new EventEmitter<void>();
  private readonly viewState = new EventEmitter<{ webviewPanel: StubWebviewPanel }>();
  readonly webview = {
    html: '',
    options: {} as unknown,
    cspSource: 'https://stub.webview',
    asWebviewUri: (u: Uri) => Uri.parse(`https://stub.webview${u.path}`),
    postMessage: async (m: unknown) => {
      // VS Code serialises a message when it is posted; later changes to the object must not show.
      this.posted.push(structuredClone(m));
      return true;
    },
    onDidReceiveMessage: (fn: (m: unknown) => void) => this.incoming.event(fn),
  };
  readonly onDidDispose = this.disposed.event;
  readonly onDidChangeViewState = this.viewState.event;
  constructor(readonly viewType: string, readonly options: unknown) {}
  /** A message from the page. */
  receive(m: unknown): void {
    this.incoming.fire(m);
  }
  reveal(): void {}
  dispose(): void {
    this.disposed.fire();
  }
}

export const window = {
  activeTextEditor: undefined as undefined | { document: StubDocument },
  createOutputChannel: (name: string) => outputChannel(name),
  createStatusBarItem: (id?: string) => {
    const item = { id, text: '', tooltip: undefined as unknown, command: undefined as unknown, name: '', visible: false, show() { item.visible = true; }, hide() { item.visible = false; }, dispose() {} };
    stub.statusBarItems.push(item);
    return item;
  },
  createTreeView: (id: string, opts: { treeDataProvider: unknown }) => {
    stub.treeProviders.set(id, opts.treeDataProvider);
    const view = { badge: undefined as unknown, message: undefined as unknown, dispose() {}, reveal: async () => undefined };
    stub.treeViews.set(id, view);
    return view;
  },
  registerTreeDataProvider: (id: string, p: unknown) => {
    stub.treeProviders.set(id, p);
    return new Disposable();
  },
  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),
  showQuickPick: async (items: unknown[] | Promise<unknown[]>) => {
    const answer = stub.quickPicks.shift();
    return answer ? answer(await items) : undefined;
  },
  showSaveDialog: async () => stub.saveDialogs.shift(),
  showTextDocument: async (d: StubDocument | Uri) => {
    const uri = d instanceof Uri ? d : d.uri;
    stub.shownDocuments.push(uri);
    return { document: d instanceof Uri ? undefined : d };
  },
  createWebviewPanel: (viewType: string, _title: string, _column: unknown, options: unknown) => {
    const panel = new StubWebviewPanel(viewType, options);
    stub.webviewPanels.push(panel);
    return panel;
  },
  registerWebviewPanelSerializer: (viewType: string, serializer: unknown) => {
    stub.panelSerializers.set(viewType, serializer);
    return new Disposable();
  },
  withProgress: async <R>(opts: { location: ProgressLocation; title?: string }, task: (p: { report(v: { message?: string; increment?: number }): void }, t: unknown) => Promise<R>): Promise<R> => {
    const entry = { title: opts.title, location: opts.location, reports: [] as { message?: string; increment?: number }[] };
    stub.progress.push(entry);
    const source = new CancellationTokenSource();
    return task({ report: (v) => void entry.reports.push(v) }, source.token);
  },
};

const settingDefaults = (): Record<string, unknown> => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
  const props = pkg.contributes?.configuration?.properties ?? {};
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, (v as { default?: unknown }).default]));
};

export const workspace = {
  get isTrusted() {
    return stub.trusted;
  },
  get workspaceFolders() {
    return stub.folders.length ? stub.folders : undefined;
  },
  get textDocuments() {
    return stub.documents.filter((d) => !d.isClosed);
  },
  getConfiguration: (section?: string) => ({
    get: (key: string, fallback?: unknown) => {
      const full = section ? `${section}.${key}` : key;
      if (stub.settings.has(full)) return stub.settings.get(full);
      const d = settingDefaults()[full];
      return d === undefined ? fallback : d;
    },
    update: async (key: string, value: unknown) => {
      const full = section ? `${section}.${key}` : key;
      stub.settings.set(full, value);
      stub.configEvents.fire({ affectsConfiguration: (s: string) => full === s || full.startsWith(`${s}.`) });
    },
  }),
  getWorkspaceFolder: (uri: Uri) => stub.folders.find((f) => {
    const rel = relative(f.uri.fsPath, uri.fsPath);
    return !rel.startsWith('..') && !rel.startsWith(sep);
  }),
  asRelativePath: (p: Uri | string) => {
    const path = typeof p === 'string' ? p : p.fsPath;
    const f = stub.folders[0];
    return f ? relative(f.uri.fsPath, path) : path;
  },
  findFiles: async () => [] as Uri[],
  onDidChangeConfiguration: stub.configEvents.event,
  onDidOpenTextDocument: stub.docEvents.open.event,
  onDidSaveTextDocument: stub.docEvents.save.event,
  onDidChangeTextDocument: stub.docEvents.change.event,
  onDidCloseTextDocument: stub.docEvents.close.event,
  onDidChangeWorkspaceFolders: new EventEmitter<unknown>().event,
  onDidGrantWorkspaceTrust: new EventEmitter<void>().event,
  createFileSystemWatcher: (pattern: unknown) => {
    const w = { pattern, create: new EventEmitter<Uri>(), change: new EventEmitter<Uri>(), del: new EventEmitter<Uri>() };
    stub.watchers.push(w);
    return { onDidCreate: w.create.event, onDidChange: w.change.event, onDidDelete: w.del.event, dispose() {} };
  },
  registerTextDocumentContentProvider: (scheme: string, p: unknown) => {
    stub.contentProviders.set(scheme, p);
    return new Disposable();
  },
  openTextDocument: async (arg: Uri | { content?: string; language?: string }) => {
    if (!(arg instanceof Uri)) return createDocument(Uri.from({ scheme: 'untitled', path: '/untitled' }), arg.content ?? '');
    const open = stub.documents.find((d) => d.uri.toString() === arg.toString());
    if (open) return open;
    const provider = stub.contentProviders.get(arg.scheme);
    const text = provider ? provider.provideTextDocumentContent(arg) : readFileSync(arg.fsPath, 'utf8');
    const doc = createDocument(arg, text);
    stub.documents.push(doc);
    return doc;
  },
  fs: {
    writeFile: async (uri: Uri, data: Uint8Array) => {
      mkdirSync(dirname(uri.fsPath), { recursive: true });
      writeFileSync(uri.fsPath, data);
    },
    stat: async (uri: Uri) => {
      if (!existsSync(uri.fsPath)) throw new Error('FileNotFound');
      return {};
    },
  },
};

export const languages = {
  registerCodeLensProvider: (selector: unknown, provider: unknown) => {
    stub.codeLensProviders.push({ selector, provider });
    return new Disposable();
  },
  registerCodeActionsProvider: (selector: unknown, provider: unknown) => {
    stub.codeActionProviders.push({ selector, provider });
    return new Disposable();
  },
  registerHoverProvider: (selector: unknown, provider: unknown) => {
    stub.hoverProviders.push({ selector, provider });
    return new Disposable();
  },
  createDiagnosticCollection: (name: string) => {
    const map = new Map<string, Diagnostic[]>();
    stub.diagnostics.set(name, map);
    return {
      name,
      set: (uri: Uri, d: Diagnostic[]) => void map.set(uri.toString(), d),
      get: (uri: Uri) => map.get(uri.toString()),
      delete: (uri: Uri) => void map.delete(uri.toString()),
      clear: () => map.clear(),
      dispose: () => map.clear(),
    };
  },
};

export const commands = {
  registerCommand: (id: string, fn: (...args: any[]) => unknown) => {
    if (stub.commands.has(id)) throw new Error(`command '${id}' already exists`);
    stub.commands.set(id, fn);
    return new Disposable(() => stub.commands.delete(id));
  },
  executeCommand: async (id: string, ...args: unknown[]) => {
    stub.executed.push({ id, args });
    const fn = stub.commands.get(id);
    return fn ? fn(...args) : undefined;
  },
  getCommands: async () => [...stub.commands.keys()],
};

export const env = { uiKind: UIKind.Web, appName: 'stub' };
export const version = '1.100.3';
export const extensions = { getExtension: () => undefined };
