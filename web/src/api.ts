// The deconflictd HTTP API (same origin, /v1/...). Every call sends the bearer token in the
// Authorization header; the token never goes into a URL. Errors are RFC 9457 problems and are
// raised as ApiError so that views can show `detail` and the per-field `errors`.

import type {
  CheckResult,
  ConflictView,
  EventView,
  Feature,
  Issue,
  Me,
  MessagePost,
  MessageView,
  Party,
  PlanAmended,
  PlanCancelled,
  PlanSubmitted,
  PlanView,
  Problem,
  ResponseBody,
  Suggestion,
} from './types';

export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  readonly title: string;
  /** The server's explanation, for people. Empty when the server gave none. */
  readonly detail: string;
  readonly errors: Issue[];
  readonly problemType: string;

  constructor(status: number, title: string, detail: string, errors: Issue[] = [], problemType = '') {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
    this.problemType = problemType;
  }
}

async function problemFrom(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* body unreadable: fall through with the status alone */
  }
  // Not trusted to be a whole problem: a proxy's error page, an empty body, ...
  let p: Partial<Problem> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') p = parsed as Partial<Problem>;
  } catch {
    p = { detail: text.slice(0, 500) };
  }
  const errors = Array.isArray(p.errors)
    ? p.errors.filter((e): e is Issue => !!e && typeof e.path === 'string' && typeof e.reason === 'string')
    : [];
  return new ApiError(res.status, p.title ?? res.statusText, p.detail ?? '', errors, p.type ?? '');
}

/** The quoted version in an ETag header: `"3"` → 3. */
export function parseEtag(etag: string | null): number | null {
  if (!etag) return null;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  return m ? Number(m[1]) : null;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class Api {
  constructor(private readonly token: string) {}

  /** Performs a request and returns the raw response when it is 2xx; throws ApiError otherwise. */
  async raw(path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: 'application/json',
      ...opts.headers,
    };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      const init: RequestInit = { method: opts.method ?? 'GET', headers, cache: 'no-store', credentials: 'omit' };
      if (body !== undefined) init.body = body;
      if (opts.signal) init.signal = opts.signal;
      res = await fetch(path, init);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, '', '');
    }
    if (!res.ok) throw await problemFrom(res);
    return res;
  }

  async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(path, opts);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  me(): Promise<Me> {
    return this.json<Me>('/v1/me');
  }

  async parties(): Promise<Party[]> {
    return (await this.json<ResponseBody<'listParties', 200>>('/v1/parties')).parties;
  }

  async listPlans(): Promise<PlanView[]> {
    return (await this.json<ResponseBody<'listPlans', 200>>('/v1/plans')).plans;
  }

  async getPlan(id: string): Promise<{ plan: PlanView; version: number }> {
    const res = await this.raw(`/v1/plans/${encodeURIComponent(id)}`);
    const plan = (await res.json()) as PlanView;
    return { plan, version: parseEtag(res.headers.get('ETag')) ?? plan.version };
  }

  submitPlan(f: Feature): Promise<PlanSubmitted> {
    return this.json<PlanSubmitted>('/v1/plans', { method: 'POST', body: f });
  }

  amendPlan(id: string, f: Feature, version: number): Promise<PlanAmended> {
    return this.json<PlanAmended>(`/v1/plans/${encodeURIComponent(id)}`, {
      method: 'PUT',
      body: f,
      headers: { 'If-Match': `"${version}"` },
    });
  }

  cancelPlan(id: string, version: number): Promise<PlanCancelled> {
    return this.json<PlanCancelled>(`/v1/plans/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { 'If-Match': `"${version}"` },
    });
  }

  /** Coordinators: approve or reject the pending version `version` of plan `ref` ("PARTY:id"). */
  reviewPlan(ref: string, version: number, approve: boolean, reason = ''): Promise<PlanAmended> {
    return this.json<PlanAmended>(`/v1/plans/${encodeURIComponent(ref)}/${approve ? 'approve' : 'reject'}`, {
      method: 'POST',
      body: approve ? undefined : { reason },
      headers: { 'If-Match': `"${version}"` },
    });
  }

  check(f: Feature): Promise<CheckResult> {
    return this.json<CheckResult>('/v1/check', { method: 'POST', body: f });
  }

  async listConflicts(): Promise<ConflictView[]> {
    return (await this.json<ResponseBody<'listConflicts', 200>>('/v1/conflicts')).conflicts;
  }

  /** Reading a conflict also records a `read` receipt for the caller's events about it. */
  getConflict(id: string): Promise<ConflictView> {
    return this.json<ConflictView>(`/v1/conflicts/${encodeURIComponent(id)}`);
  }

  ack(id: string): Promise<ConflictView> {
    return this.json<ConflictView>(`/v1/conflicts/${encodeURIComponent(id)}/ack`, { method: 'POST' });
  }

  accept(id: string): Promise<ConflictView> {
    return this.json<ConflictView>(`/v1/conflicts/${encodeURIComponent(id)}/accept`, { method: 'POST' });
  }

  async messages(id: string): Promise<MessageView[]> {
    return (await this.json<ResponseBody<'listMessages', 200>>(`/v1/conflicts/${encodeURIComponent(id)}/messages`))
      .messages;
  }

  postMessage(id: string, m: MessagePost): Promise<MessageView> {
    return this.json<MessageView>(`/v1/conflicts/${encodeURIComponent(id)}/messages`, { method: 'POST', body: m });
  }

  suggestion(id: string): Promise<Suggestion> {
    return this.json<Suggestion>(`/v1/conflicts/${encodeURIComponent(id)}/suggestion`);
  }

  /** The signed receipt, as the exact text the server sent (its signature covers it). */
  async receiptText(id: string): Promise<string> {
    return (await this.raw(`/v1/conflicts/${encodeURIComponent(id)}/receipt`)).text();
  }

  audit(after: number, limit: number): Promise<ResponseBody<'listAudit', 200>> {
    return this.json(`/v1/audit?after=${after}&limit=${limit}`);
  }

  async auditExportText(): Promise<string> {
    return (await this.raw('/v1/audit/export', { headers: { Accept: 'application/x-ndjson, */*' } })).text();
  }

  async recordKey(): Promise<string> {
    const r = await this.json<ResponseBody<'getRecordKey', 200>>('/v1/record/key');
    return r.public_key;
  }

  async eventsHistory(after: number, limit: number): Promise<EventView[]> {
    return (await this.json<ResponseBody<'eventHistory', 200>>(`/v1/events/history?after=${after}&limit=${limit}`)).events;
  }
}
