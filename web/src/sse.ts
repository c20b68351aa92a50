// Server-Sent Events over fetch + ReadableStream. EventSource cannot send the Authorization
// header, and tokens never go into URLs (docs/security.md §4), so the stream is read by hand.
// The parser follows the WHATWG "event stream interpretation" rules: lines end in CRLF, LF or CR;
// `:` starts a comment; `data` lines are joined with LF; `id` sets the last event id; an empty
// line dispatches.

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;
  private sawCr = false;
  /** The last `id` seen, kept across messages (what Last-Event-ID resumes from). */
  lastEventId: string | null = null;
  /** Set by a `retry:` field. */
  retryMs: number | null = null;

  /** Feeds decoded text; returns the messages completed by it. */
  feed(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1); // the LF of a CRLF split across chunks
    this.sawCr = false;
    this.buf += text;
    let start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.buf.slice(start, i);
      if (c === 13) {
        if (i + 1 < this.buf.length) {
          if (this.buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.sawCr = true;
        }
      }
      start = i + 1;
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return null;
      }
      const msg: SseMessage = { id: this.id, event: this.event || 'message', data: this.data.join('\n') };
      this.data = [];
      this.event = '';
      return msg;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.id = value;
          this.lastEventId = value;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return null;
  }
}

export type StreamStatus =
  | { state: 'connecting' }
  | { state: 'open' }
  | { state: 'waiting'; retryAt: number; attempt: number }
  | { state: 'unauthorized' }
  | { state: 'stopped' };

export interface EventStreamOptions {
  url: string;
  token: string;
  /** Resume after this event id (sent as Last-Event-ID). */
  lastEventId: string | null;
  onMessage: (m: SseMessage) => void;
  onStatus: (s: StreamStatus) => void;
  /** No byte for this long (the server comments every 15 s) means the connection is dead. */
  idleTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** Reconnect delays: 1 s, 2 s, 4 s … capped at 30 s, with ±20 % jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class EventStream {
  private ctrl: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private attempt = 0;
  lastEventId: string | null;

  constructor(private readonly opts: EventStreamOptions) {
    this.lastEventId = opts.lastEventId;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.ctrl?.abort();
    this.opts.onStatus({ state: 'stopped' });
  }

  /** Reconnects at once (e.g. when the user presses "reconnect now" or the browser goes online). */
  retryNow(): void {
    if (this.stopped) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      void this.connect();
    }
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.ctrl?.abort(), this.opts.idleTimeoutMs ?? 45_000);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.opts.onStatus({ state: 'connecting' });
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.opts.token}`,
      Accept: 'text/event-stream',
    };
    if (this.lastEventId !== null) headers['Last-Event-ID'] = this.lastEventId;
    const parser = new SseParser();
    let unauthorized = false;
    try {
      const f = this.opts.fetchImpl ?? fetch;
      this.armIdle();
      const res = await f(this.opts.url, { headers, signal: ctrl.signal, cache: 'no-store', credentials: 'omit' });
      if (res.status === 401) {
        unauthorized = true;
        throw new Error('unauthorized');
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      this.attempt = 0;
      this.opts.onStatus({ state: 'open' });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.armIdle();
        for (const m of parser.feed(value)) {
          if (m.id !== null) this.lastEventId = m.id;
          this.opts.onMessage(m);
        }
      }
    } catch {
      /* network error, abort or HTTP error: reconnect below */
    } finally {
      if (this.idleTimer) clearTimeout(this.idleTimer);
    }
    if (this.stopped) return;
    if (unauthorized) {
      this.opts.onStatus({ state: 'unauthorized' });
      return;
    }
    this.attempt++;
    const delay = Math.max(parser.retryMs ?? 0, backoffMs(this.attempt));
    this.opts.onStatus({ state: 'waiting', retryAt: Date.now() + delay, attempt: this.attempt });
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
