// The console's names for the deconflictd API's shapes. Every wire type is generated from the
// contract, docs/openapi.json, into api-types.gen.ts (`npm run gen:types`; ctest's web.types
// fails when that file is stale): fix the contract, regenerate, never edit a wire shape here.
// Only what is not on the wire (the console's own narrowings and helpers) is written by hand.

import type { components, operations } from './api-types.gen';

type Schemas = components['schemas'];

/** The JSON body of an operation's `status` response (by operationId in docs/openapi.json). */
export type ResponseBody<Op extends keyof operations, Status extends keyof operations[Op]['responses']> =
  operations[Op]['responses'][Status] extends { content: { 'application/json': infer Body } } ? Body : never;

export type Issue = Schemas['Issue'];
export type Problem = Schemas['Problem'];

export type Position = Schemas['Position']; // [lon, lat] or [lon, lat, alt]
export type PointGeometry = Schemas['GeoJsonPoint'];
export type LineGeometry = Schemas['GeoJsonLineString'];
export type PolygonGeometry = Schemas['GeoJsonPolygon'];

export type Feature = Schemas['Feature'];
export type PlanGeometry = Feature['geometry'];
export type PlanProperties = Feature['properties'];
export type PlanKind = PlanProperties['kind'];
export type PlanView = Schemas['PlanView'];

export type Side = Schemas['Side'];
export type ConflictView = Schemas['ConflictView'];
export type ConflictStatus = ConflictView['status'];
export type ConflictType = ConflictView['type'];
export type DryRunView = Schemas['DryRunView'];

export type MessageView = Schemas['MessageView'];
export type MessageKind = MessageView['kind'];
export type MessagePost = Schemas['MessagePost'];

export type EventView = Schemas['EventView'];
export type EventType = EventView['type'];
export type EventData = Schemas['EventData'];

export type AuditEntry = Schemas['AuditEntry'];
export type Checkpoint = Schemas['Checkpoint'];
export type Receipt = Schemas['Receipt'];
export type Suggestion = Schemas['Suggestion'];

export type Party = Schemas['Party'];
export type Role = Party['role'];
export type Contact = Schemas['Contact'];
export type Me = Schemas['Me'];

export type PlanSubmitted = Schemas['PlanSubmitted'];
export type PlanAmended = Schemas['PlanAmended'];
export type PlanCancelled = Schemas['PlanCancelled'];
export type CheckResult = ResponseBody<'checkPlan', 200>;
