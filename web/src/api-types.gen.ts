// Generated from docs/openapi.json by openapi-typescript: do not edit.
// Regenerate with `npm run gen:types` in web/; ctest's web.types fails when this file is stale.

/** OneOf type helpers */
type Without<T, U> = { [P in Exclude<keyof T, keyof U>]?: never };
type XOR<T, U> = (T | U) extends object ? (Without<T, U> & U) | (Without<U, T> & T) : T | U;
type OneOf<T extends any[]> = T extends [infer Only] ? Only : T extends [infer A, infer B, ...infer Rest] ? OneOf<[XOR<A, B>, ...Rest]> : never;

export interface paths {
  "/healthz": {
    /** Liveness */
    get: operations["healthz"];
  };
  "/readyz": {
    /**
     * Readiness
     * @description 503 while starting, after a fatal storage error, and once shutdown has begun. The body is the status only: no count or other figure about the parties' data (docs/security.md §12).
     */
    get: operations["readyz"];
  };
  "/metrics": {
    /**
     * Prometheus metrics
     * @description Served on the API listener only when the operator configured a metrics token (`metrics_token_file`): then the request must carry it as `Authorization: Bearer TOKEN` (401 otherwise; party tokens are not metrics tokens). Without one it answers 404 there. The separate metrics listener (`metrics_listen`) serves it without a token. See docs/security.md §12 for scraping with Prometheus.
     */
    get: operations["metrics"];
  };
  "/openapi.json": {
    /** This document */
    get: operations["openapi"];
  };
  "/v1/me": {
    /** The caller */
    get: operations["getMe"];
  };
  "/v1/parties": {
    /** Parties */
    get: operations["listParties"];
  };
  "/v1/plans": {
    /**
     * List plans
     * @description A party lists its own plans; coordinators and observers list every party's.
     */
    get: operations["listPlans"];
    /**
     * Submit a plan
     * @description Party role only (coordinators and observers get 403). `properties.party` naming another party: 403. An active plan with this id: 409 (amend it with PUT). A cancelled plan's id may be reused: the new plan is its next version. A zone that restricts other parties is stored `pending` and takes effect only when a coordinator approves it (unless the server runs with `zones_need_approval` false). A zone, site or flight volume over `max_area_km2`: 422 naming `geometry`.
     */
    post: operations["submitPlan"];
  };
  "/v1/plans/{id}": {
    /**
     * Get a plan
     * @description Another party's plan is 404 for a party, never 403.
     */
    get: operations["getPlan"];
    /**
     * Amend a plan
     * @description Party role only. The body is the whole new Feature; its `id` must equal the path id (or be omitted). 404 if the caller has no active plan with this id.
     */
    put: operations["amendPlan"];
    /**
     * Cancel a plan
     * @description Party role only.
     */
    delete: operations["cancelPlan"];
    parameters: {
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
  };
  "/v1/plans/{id}/versions": {
    /** Plan history */
    get: operations["listPlanVersions"];
    parameters: {
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
  };
  "/v1/check": {
    /**
     * Dry run
     * @description Party role only. An active plan of the caller with the same id is ignored, as for an amendment. Rate-limited per party (not per token) together with suggestions: a bucket of `dry_run_burst` (default 30) refilled at `dry_run_per_minute` (default 30); over it, 429 with `Retry-After`. Every dry run is recorded: a `dryrun.checked` record entry that only coordinators and observers read (who, plan kind, extent widened to 0.1°, conflicts per touched party), and each touched party's count in `GET /v1/probes`. A zone, site or flight volume enclosing more than `max_area_km2` (default 10,000 km²) is refused with 422 naming `geometry`. Runs on a small pool of its own with a time budget (docs/security.md §13): 503 with Retry-After when the pool is full, 422 when the work exceeds the budget.
     */
    post: operations["checkPlan"];
  };
  "/v1/conflicts": {
    /**
     * List conflicts
     * @description A party sees the conflicts it is a side of; coordinators and observers see all.
     */
    get: operations["listConflicts"];
  };
  "/v1/conflicts/{id}": {
    /**
     * Get a conflict
     * @description Also records a `read` receipt (channel `api`) for every event of the caller's stream about this conflict. Leaves a read receipt (channel api) for each of the caller's delivered events about this conflict.
     */
    get: operations["getConflict"];
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
  };
  "/v1/conflicts/{id}/ack": {
    /**
     * Acknowledge
     * @description The two sides only (coordinators and observers: 403). 409 if already resolved or expired.
     */
    post: operations["ackConflict"];
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
  };
  "/v1/conflicts/{id}/accept": {
    /**
     * Accept as coordinated
     * @description The two sides only.
     */
    post: operations["acceptConflict"];
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
  };
  "/v1/conflicts/{id}/messages": {
    /** Read the thread */
    get: operations["listMessages"];
    /**
     * Post to the thread
     * @description Sides: any kind. Coordinators: `text` only (other kinds 403). Observers: 403.
     */
    post: operations["postMessage"];
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
  };
  "/v1/conflicts/{id}/suggestion": {
    /**
     * Suggested shift of the caller's plan
     * @description The two sides only (coordinators and observers: 403). 409 if the caller's plan is no longer active. Runs on a small pool of its own with a time budget (docs/security.md §13): 503 with Retry-After when the pool is full, 422 when the work exceeds the budget.
     */
    get: operations["getSuggestion"];
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
  };
  "/v1/conflicts/{id}/receipt": {
    /** Signed receipt */
    get: operations["getReceipt"];
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
  };
  "/v1/events": {
    /**
     * Event stream (SSE)
     * @description The caller's own stream. Each event written to the connection records a `delivered` receipt (channel `sse`). The stream ends within about a second (at most 2 s) once its token is revoked or its party removed. A party has at most `max_streams_per_party` (default 16) open streams, SSE and WebSocket together: one more gets 429.
     */
    get: operations["streamEvents"];
  };
  "/v1/events/history": {
    /** Events (polling) */
    get: operations["eventHistory"];
  };
  "/v1/events/{seq}/read": {
    /**
     * Mark an event read
     * @description Only for an event of the caller's own stream that exists and has been delivered to it (SSE, WebSocket, webhook, or returned by /v1/events/history); 404 otherwise, and nothing is recorded.
     */
    post: operations["markRead"];
    parameters: {
      path: {
        seq: components["parameters"]["EventSeq"];
      };
    };
  };
  "/v1/ws": {
    /**
     * Event stream (WebSocket)
     * @description Authenticate with the Authorization header (a bad token: 401 before the upgrade), or, from browsers, with a first frame `{"type":"auth","token":"...","after":N}`. Without valid authentication, or without an auth frame within 10 s (`ws_auth_timeout`), the server sends `{"type":"error",...}` and closes (code 1008). Once the token is revoked or its party removed, the server sends an `error` frame and closes with 1008 within 2 s. Over the party's `max_streams_per_party`: 429 before the upgrade (header token) or an `error` frame and close code 1013 (auth frame). `{"type":"read","seq":N}` records a `read` receipt (channel `ws`); each event frame sent records `delivered`.
     */
    get: operations["websocket"];
  };
  "/v1/audit": {
    /** Audit log */
    get: operations["listAudit"];
  };
  "/v1/audit/export": {
    /**
     * Full log export
     * @description Coordinators and observers only.
     */
    get: operations["exportAudit"];
  };
  "/v1/record/key": {
    /** The server's signing key */
    get: operations["getRecordKey"];
  };
  "/v1/webhooks": {
    /** List webhooks */
    get: operations["listWebhooks"];
    /**
     * Add a webhook
     * @description Every later event of the caller's stream is POSTed to it (WebhookDelivery). The URL may not be an IP literal on a loopback, private, link-local or otherwise refused range (422 naming url; docs/security.md §14) unless the operator allows private destinations; a name is checked after resolution at each delivery. At most 10 active webhooks per party (409).
     */
    post: operations["addWebhook"];
  };
  "/v1/webhooks/{id}": {
    /**
     * Delete a webhook
     * @description Only the caller's own party's webhooks; any other id is 404.
     */
    delete: operations["deleteWebhook"];
    parameters: {
      path: {
        id: components["parameters"]["WebhookId"];
      };
    };
  };
  "/v1/contacts": {
    /** List contacts */
    get: operations["listContacts"];
    /**
     * Add a contact
     * @description A webhook_url is checked as a webhook's url (422 naming webhook_url; docs/security.md §14). At most 50 contacts per party (409).
     */
    post: operations["addContact"];
  };
  "/v1/contacts/{id}": {
    /**
     * Delete a contact
     * @description Only the caller's own party's contacts; any other id is 404.
     */
    delete: operations["deleteContact"];
    parameters: {
      path: {
        id: components["parameters"]["ContactId"];
      };
    };
  };
  "/": {
    /**
     * The web console
     * @description index.html of the console build folder (`deconflictd --web DIR`, by default the built or installed one). 404 with a problem body when no console is installed.
     */
    get: operations["console"];
  };
  "/ui/{name}": {
    /**
     * A file of the web console
     * @description Any file directly in the console build folder (scripts, styles, the offline basemap). Names are letters, digits, '.', '_' and '-'; the folder is read once at start.
     */
    get: operations["consoleAsset"];
  };
  "/v1/plans/{id}/approve": {
    /**
     * Approve a pending zone
     * @description Coordinators only (parties and observers: 403). If-Match names the pending version reviewed (428 without it, 412 if the owner has amended it since). 409 if the plan is not pending. Stores a new `active` version with the same Feature: the zone takes effect, and its conflicts open. A record entry (`plan.approved` / `plan.rejected`, read by the owner) and an event to the owner, coordinators and observers.
     */
    post: operations["approvePlan"];
    parameters: {
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
  };
  "/v1/plans/{id}/reject": {
    /**
     * Reject a pending zone
     * @description Coordinators only (parties and observers: 403). If-Match names the pending version reviewed (428 without it, 412 if the owner has amended it since). 409 if the plan is not pending. Body `{"reason": "..."}` (1 to 1000 characters, else 422). Stores a new version: the version in force before (status `active`), or, if none was, status `rejected`. A record entry (`plan.approved` / `plan.rejected`, read by the owner) and an event to the owner, coordinators and observers.
     */
    post: operations["rejectPlan"];
    parameters: {
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
  };
  "/v1/probes": {
    /**
     * Dry runs of others that touched your plans
     * @description A party gets, per other party, how many of its dry runs found a conflict with one of the caller's plans (in all and in the last 24 h); dry runs that touched none of its plans are never counted for it. `?party=` another party: 403. Coordinators and observers see every party's counts (or one party's with `?party=`).
     */
    get: operations["listProbes"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    Issue: {
      /** @description JSON path into the request body, e.g. `properties.times[2]`; empty for the whole document. */
      path: string;
      reason: string;
    };
    /** @description RFC 9457 problem details (content type `application/problem+json`). Every error response has this body. */
    Problem: {
      /**
       * Format: uri
       * @description `https://deconflict.example/problems/<code>`; `<code>` is the stable status code name: `malformed_request` (400), `unauthenticated` (401), `permission_denied` (403), `not_found` (404), `already_exists` and `failed_precondition` (409), `precondition_failed` (412), `too_large` (413), `unsupported_media_type` (415), `invalid_argument` (422), `upgrade_required` (426), `precondition_required` (428), `unavailable` (503), `internal` (500). See docs/api.md §8.
       */
      type: string;
      title: string;
      /** @description The HTTP status code. */
      status: number;
      /** @description What went wrong and what to do, for people. */
      detail: string;
      /** @description Present when the request body failed validation: every issue, each with its JSON path. */
      errors?: components["schemas"]["Issue"][];
      [key: string]: unknown;
    };
    /** @description `[longitude, latitude]` or `[longitude, latitude, altitude_m]`: degrees on WGS84 (GeoJSON order, longitude first), metres above the ellipsoid. */
    Position: number[];
    GeoJsonPoint: {
      /** @constant */
      type: "Point";
      coordinates: components["schemas"]["Position"];
    };
    GeoJsonLineString: {
      /** @constant */
      type: "LineString";
      coordinates: components["schemas"]["Position"][];
    };
    GeoJsonPolygon: {
      /** @constant */
      type: "Polygon";
      coordinates: components["schemas"]["Position"][][];
    };
    /** @description One plan as a GeoJSON Feature, in the plan format of docs/plan-format.md (validation rules, units, kinds and their geometries are defined there; this schema only lists the members). The party comes from the API token: `properties.party` may be omitted; if present it must name the caller's party (else 403). Unknown properties are ignored. */
    Feature: {
      /** @constant */
      type: "Feature";
      /** @description The plan id, unique among the party's plans. */
      id: string;
      /** @description `Point`, `LineString` or `Polygon`, depending on the kind (docs/plan-format.md); any other geometry is refused (422). */
      geometry: components["schemas"]["GeoJsonPoint"] | components["schemas"]["GeoJsonLineString"] | components["schemas"]["GeoJsonPolygon"];
      properties: {
        party?: string;
        /** @enum {unknown} */
        kind: "movement" | "flight" | "site" | "zone";
        /** @description Shown to the other party in conflict notices. At most 64 characters (Unicode code points). */
        callsign?: string;
        /** @description Free text; never disclosed to other parties. At most 2,000 characters (Unicode code points). */
        note?: string;
        /** @description Routes: one RFC 3339 time per vertex, non-decreasing. */
        times?: string[];
        corridor_m?: number;
        time_tolerance_s?: number;
        radius_m?: number;
        altitude_lower_m?: number;
        altitude_upper_m?: number;
        /** Format: date-time */
        start?: string;
        /** Format: date-time */
        end?: string;
        restricted_parties?: string[];
        [key: string]: unknown;
      };
      [key: string]: unknown;
    };
    /** @description One stored version of a plan. Shown only to its party, coordinators and observers. */
    PlanView: {
      id: string;
      party: string;
      /** @description 1, 2, ...; also the ETag (`"3"`). */
      version: number;
      /**
       * @description `pending`: a zone that restricts other parties, waiting for a coordinator's approval; it restricts nobody yet (docs/security.md §11). `rejected`: a coordinator rejected it and no earlier version was in force. `completed`: its time is over (the end of its last instant plus its time tolerance; an area's `end`), so the server retired it: it conflicts with nothing and cannot be amended (docs/channel.md, "Retirement").
       * @enum {unknown}
       */
      status: "active" | "pending" | "rejected" | "cancelled" | "completed";
      /** Format: date-time */
      stored_at: string;
      feature: components["schemas"]["Feature"];
    };
    /** @description Scheduled times in which separation is lost (docs/semantics.md §3). RFC 3339 UTC; `-infinity`/`infinity` for an unbounded end. To a party: rounded outward to whole multiples of `disclosure.time_s` (start down, end up; docs/security.md §2). Coordinators and observers: exact. */
    Window: {
      start: string;
      end: string;
    };
    /** @description To a party (docs/security.md §2): `time` rounded to the nearest multiple of `disclosure.time_s`, and `point` only when the caller's own plan moves (a movement or a flight route): where its own plan is at the closest approach; never a point of the other party's plan, and no point when the caller's own plan is an area (site, zone, flight volume). Coordinators and observers: the exact time and the midpoint of both plans' points (each side's own point is in `sides[i].position`). */
    ClosestApproach: {
      /** @description RFC 3339 UTC. */
      time: string;
      point?: components["schemas"]["GeoJsonPoint"];
    };
    /** @description One side of a conflict. `plan` and `plan_version` appear only on the caller's own side (and on both sides for coordinators and observers): the other party's plan id is never disclosed. `moves`, `position` and `time` appear only for coordinators and observers. */
    Side: {
      party: string;
      callsign: string;
      /** @enum {unknown} */
      kind: "movement" | "flight" | "site" | "zone";
      /** @description Own side only (all sides for coordinators/observers). */
      plan?: string;
      /** @description Own side only (all sides for coordinators/observers). */
      plan_version?: number;
      /** Format: date-time */
      acknowledged_at?: string | null;
      /** Format: date-time */
      accepted_at?: string | null;
      /** @description 0 none; 1 backups and coordinators alerted; 2 every contact alerted. */
      escalation_level?: number;
      /** @description Coordinators and observers only: whether this plan moves (a movement or a flight route). */
      moves?: boolean;
      /** @description Coordinators and observers only: this plan's own point at the closest approach, [lon, lat] at 1e-6 degrees. */
      position?: components["schemas"]["Position"];
      /** @description Coordinators and observers only: this plan's scheduled time at the closest approach (RFC 3339). */
      time?: string;
    };
    /** @description A conflict as the caller may see it (docs/security.md). Only the two sides, coordinators and observers ever see a conflict. */
    ConflictView: {
      /** @description Opaque, e.g. `c-3f9a0c1d2e4b5a69`. */
      id: string;
      /**
       * @description `acknowledged` once both sides have acknowledged.
       * @enum {unknown}
       */
      status: "open" | "acknowledged" | "resolved" | "expired";
      /**
       * @description Present when resolved or expired (docs/channel.md).
       * @enum {unknown}
       */
      resolution?: "amended" | "cancelled" | "coordinated" | "superseded" | "expired";
      /** @enum {unknown} */
      type: "separation" | "site_buffer" | "zone_entry" | "line_crossing";
      /** @description e.g. `ground_ground` (docs/semantics.md §2). */
      rule: string;
      window: components["schemas"]["Window"];
      /** @description Present when the two plans lose separation more than once: each episode's window, in time order (at most 100). `window` is then their hull (docs/channel.md §1). */
      windows?: components["schemas"]["Window"][];
      /** @description With `windows`: how many episodes there are (all of them, also beyond the 100 listed). */
      windows_count?: number;
      closest_approach: components["schemas"]["ClosestApproach"];
      /** @description Between centre lines at the closest approach. To a party: rounded down to a whole multiple of `disclosure.cell_m` (0 for most conflicts); coordinators and observers: 0.1 m. */
      min_distance_m: number;
      /** @description Rule distance plus both corridors, 0.1 m. */
      required_m: number;
      /** @description air_air conflicts only. To a party: rounded down to a whole multiple of 300 m; coordinators and observers: 0.1 m. */
      vertical_distance_m?: number;
      /** @description The conflict region as a box of cells of a fixed global grid (cells at least `disclosure.cell_m` across; its edges are grid lines): the cells holding each moving plan's point at the closest approach (the closest-approach point when neither moves). It is never centred on a plan and never follows a route. */
      area: components["schemas"]["GeoJsonPolygon"];
      disclosure: components["schemas"]["Disclosure"];
      sides: components["schemas"]["Side"][];
      /**
       * @description Index of the caller's side in `sides`; absent for coordinators and observers.
       * @enum {integer}
       */
      own_side?: 0 | 1;
      /**
       * Format: date-time
       * @description Acknowledgement deadline (docs/channel.md, Deadlines).
       */
      deadline: string | null;
      /** Format: date-time */
      created_at: string | null;
      /** Format: date-time */
      updated_at: string | null;
      /** Format: date-time */
      resolved_at: string | null;
    };
    /** @description A conflict the checked plan would have: a party's view of a conflict (docs/security.md §2), without id, status or deadline. Only the caller's side carries `plan`. */
    DryRunView: {
      /** @enum {unknown} */
      type: "separation" | "site_buffer" | "zone_entry" | "line_crossing";
      /** @description e.g. `ground_ground` (docs/semantics.md §2). */
      rule: string;
      window: components["schemas"]["Window"];
      closest_approach: components["schemas"]["ClosestApproach"];
      /** @description Between centre lines at the closest approach. To a party: rounded down to a whole multiple of `disclosure.cell_m` (0 for most conflicts); coordinators and observers: 0.1 m. */
      min_distance_m: number;
      /** @description Rule distance plus both corridors, 0.1 m. */
      required_m: number;
      /** @description air_air conflicts only. To a party: rounded down to a whole multiple of 300 m; coordinators and observers: 0.1 m. */
      vertical_distance_m?: number;
      /** @description The conflict region as a box of cells of a fixed global grid (cells at least `disclosure.cell_m` across; its edges are grid lines): the cells holding each moving plan's point at the closest approach (the closest-approach point when neither moves). It is never centred on a plan and never follows a route. */
      area: components["schemas"]["GeoJsonPolygon"];
      disclosure: components["schemas"]["Disclosure"];
      sides: ({
          party: string;
          callsign: string;
          /** @enum {unknown} */
          kind: "movement" | "flight" | "site" | "zone";
          /** @description Own side only. */
          plan?: string;
        })[];
      /** @enum {integer} */
      own_side: 0 | 1;
    };
    /** @description One message of a conflict's thread (the two sides, coordinators and observers read it). */
    MessageView: {
      /** @description 1, 2, ... per conflict. */
      seq: number;
      conflict: string;
      /** @description Author. */
      party: string;
      /** @enum {unknown} */
      kind: "text" | "propose" | "accept" | "reject";
      /** @description BCP 47 tag, when given. */
      language?: string;
      /** Format: date-time */
      at: string;
      text?: string;
      /** @description propose: seconds; > 0 later, < 0 earlier. */
      shift_s?: number;
      /**
       * @description propose: whose plan would move (the author's or the other side's).
       * @enum {unknown}
       */
      subject?: "self" | "other";
      /** @description accept/reject: seq of the proposal answered. */
      message?: number;
    };
    /** @description A new message. `text` may be posted by either side or a coordinator; `propose`, `accept` and `reject` by the two sides only. */
    MessagePost: OneOf<[{
      /** @constant */
      kind: "text";
      /** @description At most 4,000 characters (Unicode code points). */
      text: string;
      language?: string;
    }, {
      /** @constant */
      kind: "propose";
      shift_s: number;
      /** @enum {unknown} */
      subject: "self" | "other";
      text?: string;
      language?: string;
    }, {
      /** @enum {unknown} */
      kind: "accept" | "reject";
      message: number;
      text?: string;
      language?: string;
    }]>;
    /** @description One event of the caller's stream. The same `seq`, `type` and `data` are sent over SSE (id/event/data), WebSocket and webhooks. */
    EventView: {
      /** @description 1, 2, ... per recipient. */
      seq: number;
      /** @enum {unknown} */
      type: "conflict.opened" | "conflict.acknowledged" | "conflict.accepted" | "conflict.escalated" | "conflict.resolved" | "conflict.expired" | "message.posted" | "plan.pending" | "plan.approved" | "plan.rejected" | "plan.completed";
      /** Format: date-time */
      at: string;
      data: components["schemas"]["EventData"];
    };
    /** @description Conflict events carry `conflict`; plan events (`plan.pending` to coordinators and observers, `plan.approved` / `plan.rejected` to the owner, coordinators and observers) carry `plan` (a PlanView), `by` and, for a rejection, `reason`; `plan.completed` (to the owner, coordinators and observers) carries `plan` and `ended`. */
    EventData: {
      conflict?: components["schemas"]["ConflictView"];
      /** @description conflict.acknowledged, conflict.accepted: the party that acted; plan.approved, plan.rejected: the coordinator. */
      by?: string;
      message?: components["schemas"]["MessageView"];
      /** @description conflict.escalated: the side that missed its deadline. */
      party?: string;
      /** @description conflict.escalated: 1 or 2. */
      level?: number;
      /** @description conflict.escalated, in the events of the escalating side, coordinators and observers only: that side's contacts to alert (its backups at level 1, every contact at level 2). */
      contacts?: ({
          name: string;
          /** @enum {unknown} */
          role: "primary" | "backup";
          /** @description BCP 47. */
          language: string;
          /** @description Free-text duty roster; empty when none. */
          roster: string;
          /** @description The contact has a webhook of its own and is paged there (docs/channel.md, "Paging contacts"). */
          paged: boolean;
        })[];
      plan?: components["schemas"]["PlanView"];
      /** @description plan.rejected: why. */
      reason?: string;
      /**
       * Format: date-time
       * @description plan.completed: when its time was over.
       */
      ended?: string;
      /** @description conflict.opened, a summary: the conflicts opened for this recipient beyond max_notices_per_party_per_minute in its last minute, still open (docs/security.md §13). `conflict` is the first of them. */
      conflicts?: components["schemas"]["ConflictView"][];
      /** @description conflict.opened, a summary: how many conflicts `conflicts` lists. */
      merged?: number;
      [key: string]: unknown;
    };
    /** @description One entry of the hash-chained log (record::AuditEntryToJson). hash = hex SHA-256 over "deconflict-audit-v1\n" seq "\n" at_ms "\n" kind "\n" parties joined by "," "\n" prev_hash "\n" body_json. */
    AuditEntry: {
      seq: number;
      /** @description Milliseconds since the Unix epoch. */
      at_ms: number;
      kind: string;
      /** @description Parties that may read the entry; coordinators and observers read every entry. */
      parties: string[];
      /** @description The body, JSON text verbatim (the hash covers these bytes). */
      body_json: string;
      prev_hash: string;
      hash: string;
    };
    /** @description Signed statement "the log up to seq ends with hash": Ed25519 over "deconflict-checkpoint-v1\n" seq "\n" hash "\n" at_ms. */
    Checkpoint: {
      seq: number;
      hash: string;
      at_ms: number;
      public_key: string;
      signature: string;
    };
    /** @description record::MakeReceipt. `signature` is Ed25519 over "deconflict-receipt-v1\n" + the compact serialization of `receipt` (members in the order shown). Verify with `deconflict audit verify --receipt FILE`. */
    Receipt: {
      receipt: {
        /** @description Milliseconds since the epoch. */
        issued_at: number;
        /** @description The conflict id. */
        subject: string;
        /** @description The caller the receipt was issued to. */
        party: string;
        /** @description Ascending seq. */
        entries: components["schemas"]["AuditEntry"][];
        /** @description The latest checkpoint when the receipt was issued. */
        checkpoint: components["schemas"]["Checkpoint"] | null;
      };
      public_key: string;
      signature: string;
    };
    Suggestion: {
      /** @enum {unknown} */
      outcome: "delay" | "advance" | "no_conflict" | "impossible";
      /** @description Seconds to move every time of the caller's plan: > 0 later, < 0 earlier, 0 for no_conflict/impossible. */
      shift_s: number;
      /** @description The caller's plan id. */
      plan: string;
      /** @description How many conflicts the caller's plan has as scheduled now. */
      conflicts_now: number;
      /** @description One sentence; names only the caller's own plan. */
      explanation: string;
    };
    Party: {
      name: string;
      /** @enum {unknown} */
      role: "party" | "coordinator" | "observer";
      display_name: string;
    };
    Contact: {
      id: number;
      party: string;
      name: string;
      /** @description BCP 47, e.g. `en`, `ru`, `ar`. */
      language: string;
      /** @enum {unknown} */
      role: "primary" | "backup";
      /** @description Free-text duty roster, e.g. `Mon-Fri 06:00-18:00Z`. */
      roster?: string;
      /** @description Where escalations naming this contact are POSTed, signed with the server's Ed25519 record key (docs/channel.md, "Paging contacts"); empty: none. */
      webhook_url?: string;
    };
    ContactCreate: {
      name: string;
      language: string;
      /** @enum {unknown} */
      role: "primary" | "backup";
      roster?: string;
      /**
       * Format: uri
       * @description Optional http:// or https:// URL of the contact's own pager or gateway: escalations that name this contact are POSTed there (docs/channel.md, "Paging contacts").
       */
      webhook_url?: string;
    };
    Me: {
      party: string;
      /** @enum {unknown} */
      role: "party" | "coordinator" | "observer";
      contacts: components["schemas"]["Contact"][];
    };
    /** @description A webhook of the caller's party. The secret is never shown again after creation. */
    Webhook: {
      id: number;
      /** Format: uri */
      url: string;
      active?: boolean;
      /** Format: date-time */
      created_at?: string;
    };
    WebhookCreate: {
      /**
       * Format: uri
       * @description http:// or https://
       */
      url: string;
      /** @description HMAC key; generated by the server when omitted. */
      secret?: string;
    };
    WebhookCreated: {
      id: number;
      url: string;
      /** @description Shown once. */
      secret: string;
    };
    /** @description Body POSTed to a webhook. Headers: X-Deconflict-Event: <type>; X-Deconflict-Delivery: <recipient>/<seq>; X-Deconflict-Timestamp: <unix seconds>; X-Deconflict-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>. A 2xx answer means delivered; otherwise retried with exponential back-off from 1 s up to 1 h, at most 12 attempts. */
    WebhookDelivery: {
      recipient: string;
      seq: number;
      type: string;
      data: components["schemas"]["EventData"];
    };
    /** @description Frames a WebSocket client may send. */
    WsClientMessage: OneOf<[{
      /** @constant */
      type: "auth";
      token: string;
      after?: number;
    }, {
      /** @constant */
      type: "read";
      seq: number;
    }]>;
    /** @description Frames the server sends over the WebSocket. */
    WsServerMessage: OneOf<[{
      /** @constant */
      type: "event";
      seq: number;
      event: string;
      data: components["schemas"]["EventData"];
    }, {
      /** @constant */
      type: "error";
      status?: number;
      detail?: string;
      [key: string]: unknown;
    }]>;
    PlanSubmitted: {
      plan: components["schemas"]["PlanView"];
      /** @description Conflicts opened by this submission. */
      conflicts: components["schemas"]["ConflictView"][];
      warnings: components["schemas"]["Issue"][];
    };
    PlanAmended: {
      plan: components["schemas"]["PlanView"];
      conflicts_opened: components["schemas"]["ConflictView"][];
      conflicts_resolved: components["schemas"]["ConflictView"][];
      conflicts_unchanged: components["schemas"]["ConflictView"][];
      warnings: components["schemas"]["Issue"][];
    };
    PlanCancelled: {
      plan: components["schemas"]["PlanView"];
      conflicts_resolved: components["schemas"]["ConflictView"][];
    };
    /** @description How coarse this view is (deconflictd --disclosure-cell-m, --disclosure-time-s; docs/security.md §2). */
    Disclosure: {
      /** @description Smallest size of a cell of the disclosure grid, metres (default 2000). */
      cell_m: number;
      /** @description Times of another party's plan are whole multiples of this, seconds (default 60). */
      time_s: number;
      /** @description true for coordinators and observers (the exact view), false for a party. */
      exact: boolean;
    };
  };
  responses: {
    /** @description Malformed JSON, a body that is not the expected object, or a bad query parameter. */
    BadRequest: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description Missing, unknown or revoked bearer token. */
    Unauthorized: {
      headers: {
        /** @description `Bearer` */
        "WWW-Authenticate"?: string;
      };
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description The caller's role may not do this (docs/security.md). Never used to hide another party's data: that is 404. */
    Forbidden: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description No such resource visible to the caller. Another party's plans, conflicts, webhooks and contacts are 404 whether or not they exist. */
    NotFound: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description The request conflicts with the current state (e.g. an active plan with this id exists, a conflict is already resolved, an ambiguous bare plan id). */
    Conflict: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description If-Match names an older version: fetch the plan again and reapply the change. */
    PreconditionFailed: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description Body larger than 1 MiB. */
    PayloadTooLarge: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description The body is JSON but invalid; `errors` lists every issue with its JSON path. */
    Unprocessable: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description If-Match is required. */
    PreconditionRequired: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description Not ready, shutting down, or a storage error; nothing was saved, retrying is safe. */
    Unavailable: {
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description A per-party limit is reached: the dry-run limit (docs/security.md §11; `Retry-After` gives the whole seconds, at least 1, until the next one is allowed, and the problem repeats it as `retry_after_s`), or `max_streams_per_party` open event streams (§12; `Retry-After: 1`: close a stream or retry later). */
    TooManyRequests: {
      headers: {
        /** @description Seconds until the next request is allowed. */
        "Retry-After"?: number;
      };
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
    /** @description Too many dry runs and suggestions in progress (dry_run_workers + dry_run_queue, docs/security.md §13); nothing ran. Also: the dry run's record entry could not be written (nothing was answered). Retry after the `Retry-After` seconds. */
    Busy: {
      headers: {
        /** @description Seconds to wait before retrying. */
        "Retry-After"?: number;
      };
      content: {
        "application/problem+json": components["schemas"]["Problem"];
      };
    };
  };
  parameters: {
    /** @description The plan id. Coordinators and observers may write `PARTY:id`, or a bare id if it is unique across parties (else 409). Percent-encode reserved characters. */
    PlanId: string;
    ConflictId: string;
    /** @description Seq of an event in the caller's own stream. */
    EventSeq: number;
    WebhookId: number;
    ContactId: number;
    /** @description Return items with seq > after. */
    After?: number;
    Limit?: number;
    /**
     * @description The plan's current ETag, e.g. `"3"`.
     * @example "3"
     */
    IfMatch: string;
    /** @description When given, the plan's current ETag. */
    IfMatchOptional?: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** Liveness */
  healthz: {
    responses: {
      /** @description The process is up. */
      200: {
        content: {
          "application/json": {
            /** @constant */
            status: "ok";
          };
        };
      };
    };
  };
  /**
   * Readiness
   * @description 503 while starting, after a fatal storage error, and once shutdown has begun. The body is the status only: no count or other figure about the parties' data (docs/security.md §12).
   */
  readyz: {
    responses: {
      /** @description The store is open and the state is loaded. */
      200: {
        content: {
          "application/json": {
            /** @constant */
            status: "ready";
          };
        };
      };
      503: components["responses"]["Unavailable"];
    };
  };
  /**
   * Prometheus metrics
   * @description Served on the API listener only when the operator configured a metrics token (`metrics_token_file`): then the request must carry it as `Authorization: Bearer TOKEN` (401 otherwise; party tokens are not metrics tokens). Without one it answers 404 there. The separate metrics listener (`metrics_listen`) serves it without a token. See docs/security.md §12 for scraping with Prometheus.
   */
  metrics: {
    responses: {
      /** @description Prometheus text exposition format 0.0.4. */
      200: {
        content: {
          "text/plain": string;
        };
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
    };
  };
  /** This document */
  openapi: {
    responses: {
      /** @description OpenAPI 3.1 document. */
      200: {
        content: {
          "application/json": Record<string, never>;
        };
      };
    };
  };
  /** The caller */
  getMe: {
    responses: {
      /** @description The caller's party, role and contacts. */
      200: {
        content: {
          "application/json": components["schemas"]["Me"];
        };
      };
      401: components["responses"]["Unauthorized"];
    };
  };
  /** Parties */
  listParties: {
    responses: {
      /** @description Coordinators and observers: every party. Party role: only itself. */
      200: {
        content: {
          "application/json": {
            parties: components["schemas"]["Party"][];
          };
        };
      };
      401: components["responses"]["Unauthorized"];
    };
  };
  /**
   * List plans
   * @description A party lists its own plans; coordinators and observers list every party's.
   */
  listPlans: {
    parameters: {
      query?: {
        status?: "active" | "pending" | "rejected" | "cancelled" | "completed";
        /** @description Coordinators and observers: only this party's plans. A party may pass only its own name (any other: 403). */
        party?: string;
      };
    };
    responses: {
      /** @description Newest version of each plan. */
      200: {
        content: {
          "application/json": {
            plans: components["schemas"]["PlanView"][];
          };
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
    };
  };
  /**
   * Submit a plan
   * @description Party role only (coordinators and observers get 403). `properties.party` naming another party: 403. An active plan with this id: 409 (amend it with PUT). A cancelled plan's id may be reused: the new plan is its next version. A zone that restricts other parties is stored `pending` and takes effect only when a coordinator approves it (unless the server runs with `zones_need_approval` false). A zone, site or flight volume over `max_area_km2`: 422 naming `geometry`.
   */
  submitPlan: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["Feature"];
        "application/geo+json": components["schemas"]["Feature"];
      };
    };
    responses: {
      /** @description Stored; detection has run against every active plan of the other parties in the same transaction. */
      201: {
        headers: {
          /** @description The plan version, quoted: `"3"`. */
          ETag?: string;
          /** @description `/v1/plans/{id}` */
          Location?: string;
        };
        content: {
          "application/json": components["schemas"]["PlanSubmitted"];
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      409: components["responses"]["Conflict"];
      413: components["responses"]["PayloadTooLarge"];
      422: components["responses"]["Unprocessable"];
      503: components["responses"]["Unavailable"];
    };
  };
  /**
   * Get a plan
   * @description Another party's plan is 404 for a party, never 403.
   */
  getPlan: {
    parameters: {
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
    responses: {
      /** @description The newest version. */
      200: {
        headers: {
          /** @description The plan version, quoted: `"3"`. */
          ETag?: string;
        };
        content: {
          "application/json": components["schemas"]["PlanView"];
        };
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
    };
  };
  /**
   * Amend a plan
   * @description Party role only. The body is the whole new Feature; its `id` must equal the path id (or be omitted). 404 if the caller has no active plan with this id.
   */
  amendPlan: {
    parameters: {
      header: {
        "If-Match": components["parameters"]["IfMatch"];
      };
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["Feature"];
        "application/geo+json": components["schemas"]["Feature"];
      };
    };
    responses: {
      /** @description New version stored; the plan's conflicts were re-evaluated. */
      200: {
        headers: {
          /** @description The plan version, quoted: `"3"`. */
          ETag?: string;
        };
        content: {
          "application/json": components["schemas"]["PlanAmended"];
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      412: components["responses"]["PreconditionFailed"];
      413: components["responses"]["PayloadTooLarge"];
      422: components["responses"]["Unprocessable"];
      428: components["responses"]["PreconditionRequired"];
      503: components["responses"]["Unavailable"];
    };
  };
  /**
   * Cancel a plan
   * @description Party role only.
   */
  cancelPlan: {
    parameters: {
      header?: {
        "If-Match"?: components["parameters"]["IfMatchOptional"];
      };
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
    responses: {
      /** @description Stored a new version with status `cancelled`; its open conflicts are resolved (`cancelled`). */
      200: {
        headers: {
          /** @description The plan version, quoted: `"3"`. */
          ETag?: string;
        };
        content: {
          "application/json": components["schemas"]["PlanCancelled"];
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      412: components["responses"]["PreconditionFailed"];
      503: components["responses"]["Unavailable"];
    };
  };
  /** Plan history */
  listPlanVersions: {
    parameters: {
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
    responses: {
      /** @description Every version, oldest first. */
      200: {
        content: {
          "application/json": {
            versions: components["schemas"]["PlanView"][];
          };
        };
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
    };
  };
  /**
   * Dry run
   * @description Party role only. An active plan of the caller with the same id is ignored, as for an amendment. Rate-limited per party (not per token) together with suggestions: a bucket of `dry_run_burst` (default 30) refilled at `dry_run_per_minute` (default 30); over it, 429 with `Retry-After`. Every dry run is recorded: a `dryrun.checked` record entry that only coordinators and observers read (who, plan kind, extent widened to 0.1°, conflicts per touched party), and each touched party's count in `GET /v1/probes`. A zone, site or flight volume enclosing more than `max_area_km2` (default 10,000 km²) is refused with 422 naming `geometry`. Runs on a small pool of its own with a time budget (docs/security.md §13): 503 with Retry-After when the pool is full, 422 when the work exceeds the budget.
   */
  checkPlan: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["Feature"];
        "application/geo+json": components["schemas"]["Feature"];
      };
    };
    responses: {
      /** @description Conflicts the plan would have with every active plan of the other parties now. Nothing is stored or notified. */
      200: {
        content: {
          "application/json": {
            conflicts: components["schemas"]["DryRunView"][];
            warnings?: components["schemas"]["Issue"][];
          };
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      413: components["responses"]["PayloadTooLarge"];
      422: components["responses"]["Unprocessable"];
      429: components["responses"]["TooManyRequests"];
      503: components["responses"]["Busy"];
    };
  };
  /**
   * List conflicts
   * @description A party sees the conflicts it is a side of; coordinators and observers see all.
   */
  listConflicts: {
    parameters: {
      query?: {
        /**
         * @description Comma-separated subset of open, acknowledged, resolved, expired. Default: all.
         * @example open,acknowledged
         */
        status?: string;
        /** @description Only conflicts of this plan: one of the caller's plan ids (a party), or `PARTY:id` / a unique bare id (coordinators, observers). Unknown: 404. */
        plan?: string;
        /** @description At most this many conflicts (the first by window start). Default: all. `truncated` tells whether more matched. */
        limit?: number;
      };
    };
    responses: {
      /** @description Ordered by window start. */
      200: {
        content: {
          "application/json": {
            conflicts: components["schemas"]["ConflictView"][];
            /** @description True when `limit` cut the list. */
            truncated: boolean;
          };
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
    };
  };
  /**
   * Get a conflict
   * @description Also records a `read` receipt (channel `api`) for every event of the caller's stream about this conflict. Leaves a read receipt (channel api) for each of the caller's delivered events about this conflict.
   */
  getConflict: {
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
    responses: {
      /** @description The conflict as the caller may see it. */
      200: {
        content: {
          "application/json": components["schemas"]["ConflictView"];
        };
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
    };
  };
  /**
   * Acknowledge
   * @description The two sides only (coordinators and observers: 403). 409 if already resolved or expired.
   */
  ackConflict: {
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
    responses: {
      /** @description The caller's side is acknowledged (idempotent). The status becomes `acknowledged` once both sides have. */
      200: {
        content: {
          "application/json": components["schemas"]["ConflictView"];
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      503: components["responses"]["Unavailable"];
    };
  };
  /**
   * Accept as coordinated
   * @description The two sides only.
   */
  acceptConflict: {
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
    responses: {
      /** @description The caller's side accepts the conflict as coordinated (implies acknowledgement; idempotent). When both sides have accepted it is resolved with resolution `coordinated`. */
      200: {
        content: {
          "application/json": components["schemas"]["ConflictView"];
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      503: components["responses"]["Unavailable"];
    };
  };
  /** Read the thread */
  listMessages: {
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
    responses: {
      /** @description Oldest first. */
      200: {
        content: {
          "application/json": {
            messages: components["schemas"]["MessageView"][];
          };
        };
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
    };
  };
  /**
   * Post to the thread
   * @description Sides: any kind. Coordinators: `text` only (other kinds 403). Observers: 403.
   */
  postMessage: {
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MessagePost"];
      };
    };
    responses: {
      /** @description Stored, on the record, and sent to both sides and every coordinator and observer. */
      201: {
        content: {
          "application/json": components["schemas"]["MessageView"];
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      413: components["responses"]["PayloadTooLarge"];
      422: components["responses"]["Unprocessable"];
      503: components["responses"]["Unavailable"];
    };
  };
  /**
   * Suggested shift of the caller's plan
   * @description The two sides only (coordinators and observers: 403). 409 if the caller's plan is no longer active. Runs on a small pool of its own with a time budget (docs/security.md §13): 503 with Retry-After when the pool is full, 422 when the work exceeds the budget.
   */
  getSuggestion: {
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
    responses: {
      /** @description The smallest delay (else advance, up to 6 h each) of the caller's plan that clears all its conflicts (docs/semantics.md §5). */
      200: {
        content: {
          "application/json": components["schemas"]["Suggestion"];
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      422: components["responses"]["Unprocessable"];
      429: components["responses"]["TooManyRequests"];
      503: components["responses"]["Busy"];
    };
  };
  /** Signed receipt */
  getReceipt: {
    parameters: {
      path: {
        id: components["parameters"]["ConflictId"];
      };
    };
    responses: {
      /** @description Every audit entry about this conflict that the caller may read, with the latest checkpoint, signed by the server. */
      200: {
        content: {
          "application/json": components["schemas"]["Receipt"];
        };
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
    };
  };
  /**
   * Event stream (SSE)
   * @description The caller's own stream. Each event written to the connection records a `delivered` receipt (channel `sse`). The stream ends within about a second (at most 2 s) once its token is revoked or its party removed. A party has at most `max_streams_per_party` (default 16) open streams, SSE and WebSocket together: one more gets 429.
   */
  streamEvents: {
    parameters: {
      query?: {
        /** @description Resume after this seq; Last-Event-ID wins when both are given. Default: 0 (the whole stream). */
        after?: number;
      };
      header?: {
        /** @description Resume after this seq (sent automatically by EventSource clients). */
        "Last-Event-ID"?: number;
      };
    };
    responses: {
      /** @description `text/event-stream`: for each event `id: <seq>`, `event: <type>`, `data: <EventData JSON>`; a `:` comment every 15 s. */
      200: {
        content: {
          "text/event-stream": string;
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      429: components["responses"]["TooManyRequests"];
    };
  };
  /** Events (polling) */
  eventHistory: {
    parameters: {
      query?: {
        after?: components["parameters"]["After"];
        limit?: components["parameters"]["Limit"];
      };
    };
    responses: {
      /** @description The caller's events with seq > after, ascending. */
      200: {
        content: {
          "application/json": {
            events: components["schemas"]["EventView"][];
          };
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
    };
  };
  /**
   * Mark an event read
   * @description Only for an event of the caller's own stream that exists and has been delivered to it (SSE, WebSocket, webhook, or returned by /v1/events/history); 404 otherwise, and nothing is recorded.
   */
  markRead: {
    parameters: {
      path: {
        seq: components["parameters"]["EventSeq"];
      };
    };
    responses: {
      /** @description A `read` receipt (channel `api`) is recorded (duplicates ignored). */
      204: {
        content: never;
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
    };
  };
  /**
   * Event stream (WebSocket)
   * @description Authenticate with the Authorization header (a bad token: 401 before the upgrade), or, from browsers, with a first frame `{"type":"auth","token":"...","after":N}`. Without valid authentication, or without an auth frame within 10 s (`ws_auth_timeout`), the server sends `{"type":"error",...}` and closes (code 1008). Once the token is revoked or its party removed, the server sends an `error` frame and closes with 1008 within 2 s. Over the party's `max_streams_per_party`: 429 before the upgrade (header token) or an `error` frame and close code 1013 (auth frame). `{"type":"read","seq":N}` records a `read` receipt (channel `ws`); each event frame sent records `delivered`.
   */
  websocket: {
    parameters: {
      query?: {
        /** @description Resume after this seq (header authentication). */
        after?: number;
      };
    };
    responses: {
      /** @description Upgraded. Server frames: WsServerMessage; client frames: WsClientMessage. */
      101: {
        content: never;
      };
      401: components["responses"]["Unauthorized"];
      /** @description Not a WebSocket upgrade request. */
      426: {
        content: {
          "application/problem+json": components["schemas"]["Problem"];
        };
      };
      429: components["responses"]["TooManyRequests"];
    };
  };
  /** Audit log */
  listAudit: {
    parameters: {
      query?: {
        after?: components["parameters"]["After"];
        limit?: components["parameters"]["Limit"];
      };
    };
    responses: {
      /** @description Entries the caller may read (a party: those listing it in `parties`; coordinators and observers: all), ascending, and checkpoints. */
      200: {
        content: {
          "application/json": {
            entries: components["schemas"]["AuditEntry"][];
            /** @description Checkpoints whose seq falls within the returned entries, and the latest checkpoint. */
            checkpoints: components["schemas"]["Checkpoint"][];
          };
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
    };
  };
  /**
   * Full log export
   * @description Coordinators and observers only.
   */
  exportAudit: {
    responses: {
      /** @description JSON Lines (record::ExportLog): one `{"entry":{...}}` or `{"checkpoint":{...}}` per line, in seq order. Verify with `deconflict audit verify FILE`. */
      200: {
        content: {
          "application/x-ndjson": string;
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
    };
  };
  /** The server's signing key */
  getRecordKey: {
    responses: {
      /** @description Ed25519 public key that signs checkpoints and receipts. Compare it out of band. */
      200: {
        content: {
          "application/json": {
            public_key: string;
            /** @constant */
            algorithm: "Ed25519";
          };
        };
      };
    };
  };
  /** List webhooks */
  listWebhooks: {
    responses: {
      /** @description The caller's party's webhooks (secrets are not shown). */
      200: {
        content: {
          "application/json": {
            webhooks: components["schemas"]["Webhook"][];
          };
        };
      };
      401: components["responses"]["Unauthorized"];
    };
  };
  /**
   * Add a webhook
   * @description Every later event of the caller's stream is POSTed to it (WebhookDelivery). The URL may not be an IP literal on a loopback, private, link-local or otherwise refused range (422 naming url; docs/security.md §14) unless the operator allows private destinations; a name is checked after resolution at each delivery. At most 10 active webhooks per party (409).
   */
  addWebhook: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["WebhookCreate"];
      };
    };
    responses: {
      /** @description Added; the secret is shown only in this response. */
      201: {
        content: {
          "application/json": components["schemas"]["WebhookCreated"];
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      409: components["responses"]["Conflict"];
      413: components["responses"]["PayloadTooLarge"];
      422: components["responses"]["Unprocessable"];
      503: components["responses"]["Unavailable"];
    };
  };
  /**
   * Delete a webhook
   * @description Only the caller's own party's webhooks; any other id is 404.
   */
  deleteWebhook: {
    parameters: {
      path: {
        id: components["parameters"]["WebhookId"];
      };
    };
    responses: {
      /** @description Deleted; pending deliveries to it stop. */
      204: {
        content: never;
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
    };
  };
  /** List contacts */
  listContacts: {
    responses: {
      /** @description A party: its own contacts. Coordinators and observers: every party's. */
      200: {
        content: {
          "application/json": {
            contacts: components["schemas"]["Contact"][];
          };
        };
      };
      401: components["responses"]["Unauthorized"];
    };
  };
  /**
   * Add a contact
   * @description A webhook_url is checked as a webhook's url (422 naming webhook_url; docs/security.md §14). At most 50 contacts per party (409).
   */
  addContact: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["ContactCreate"];
      };
    };
    responses: {
      /** @description Added to the caller's party. */
      201: {
        content: {
          "application/json": components["schemas"]["Contact"];
        };
      };
      400: components["responses"]["BadRequest"];
      401: components["responses"]["Unauthorized"];
      409: components["responses"]["Conflict"];
      413: components["responses"]["PayloadTooLarge"];
      422: components["responses"]["Unprocessable"];
      503: components["responses"]["Unavailable"];
    };
  };
  /**
   * Delete a contact
   * @description Only the caller's own party's contacts; any other id is 404.
   */
  deleteContact: {
    parameters: {
      path: {
        id: components["parameters"]["ContactId"];
      };
    };
    responses: {
      /** @description Deleted. */
      204: {
        content: never;
      };
      401: components["responses"]["Unauthorized"];
      404: components["responses"]["NotFound"];
    };
  };
  /**
   * The web console
   * @description index.html of the console build folder (`deconflictd --web DIR`, by default the built or installed one). 404 with a problem body when no console is installed.
   */
  console: {
    responses: {
      /** @description The file. */
      200: {
        headers: {
          /** @description Strong validator of the file; send it back in If-None-Match to get 304. */
          ETag?: string;
        };
        content: {
          "text/html": string;
          "*/*": string;
        };
      };
      /** @description Not modified (If-None-Match matched the ETag). */
      304: {
        content: never;
      };
      404: components["responses"]["NotFound"];
    };
  };
  /**
   * A file of the web console
   * @description Any file directly in the console build folder (scripts, styles, the offline basemap). Names are letters, digits, '.', '_' and '-'; the folder is read once at start.
   */
  consoleAsset: {
    parameters: {
      path: {
        name: string;
      };
    };
    responses: {
      /** @description The file. */
      200: {
        headers: {
          /** @description Strong validator of the file; send it back in If-None-Match to get 304. */
          ETag?: string;
        };
        content: {
          "text/html": string;
          "*/*": string;
        };
      };
      /** @description Not modified (If-None-Match matched the ETag). */
      304: {
        content: never;
      };
      404: components["responses"]["NotFound"];
    };
  };
  /**
   * Approve a pending zone
   * @description Coordinators only (parties and observers: 403). If-Match names the pending version reviewed (428 without it, 412 if the owner has amended it since). 409 if the plan is not pending. Stores a new `active` version with the same Feature: the zone takes effect, and its conflicts open. A record entry (`plan.approved` / `plan.rejected`, read by the owner) and an event to the owner, coordinators and observers.
   */
  approvePlan: {
    parameters: {
      header: {
        "If-Match": components["parameters"]["IfMatch"];
      };
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
    responses: {
      /** @description The new version and the conflicts it opened, resolved or left. */
      200: {
        headers: {
          /** @description The plan version, quoted. */
          ETag?: string;
        };
        content: {
          "application/json": components["schemas"]["PlanAmended"];
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      412: components["responses"]["PreconditionFailed"];
      428: components["responses"]["PreconditionRequired"];
    };
  };
  /**
   * Reject a pending zone
   * @description Coordinators only (parties and observers: 403). If-Match names the pending version reviewed (428 without it, 412 if the owner has amended it since). 409 if the plan is not pending. Body `{"reason": "..."}` (1 to 1000 characters, else 422). Stores a new version: the version in force before (status `active`), or, if none was, status `rejected`. A record entry (`plan.approved` / `plan.rejected`, read by the owner) and an event to the owner, coordinators and observers.
   */
  rejectPlan: {
    parameters: {
      header: {
        "If-Match": components["parameters"]["IfMatch"];
      };
      path: {
        id: components["parameters"]["PlanId"];
      };
    };
    requestBody: {
      content: {
        "application/json": {
          reason: string;
        };
      };
    };
    responses: {
      /** @description The new version and the conflicts it opened, resolved or left. */
      200: {
        headers: {
          /** @description The plan version, quoted. */
          ETag?: string;
        };
        content: {
          "application/json": components["schemas"]["PlanAmended"];
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
      404: components["responses"]["NotFound"];
      409: components["responses"]["Conflict"];
      412: components["responses"]["PreconditionFailed"];
      422: components["responses"]["Unprocessable"];
      428: components["responses"]["PreconditionRequired"];
    };
  };
  /**
   * Dry runs of others that touched your plans
   * @description A party gets, per other party, how many of its dry runs found a conflict with one of the caller's plans (in all and in the last 24 h); dry runs that touched none of its plans are never counted for it. `?party=` another party: 403. Coordinators and observers see every party's counts (or one party's with `?party=`).
   */
  listProbes: {
    parameters: {
      query?: {
        party?: string;
      };
    };
    responses: {
      /** @description Counts. */
      200: {
        content: {
          "application/json": {
            /**
             * Format: date-time
             * @description Start of the last 24 h.
             */
            since: string;
            probes: {
                /** @description Whose plans were touched. */
                party: string;
                /** @description The party that made the dry runs. */
                by: string;
                total: number;
                last_24h: number;
              }[];
          };
        };
      };
      401: components["responses"]["Unauthorized"];
      403: components["responses"]["Forbidden"];
    };
  };
}
