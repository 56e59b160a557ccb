/**
 * The changes page's filters ⇄ the page URL ⇄ the `GET /api/v1/changes` query. The URL holds every
 * filter, so a filtered history can be bookmarked and shared; these functions are pure and
 * unit-tested. Dates are calendar days (`YYYY-MM-DD`) in the URL and the browser's time zone.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import type { Change } from '../api/types'

/** What the server records changes of, with the words the UI shows. */
export const ENTITY_LABELS: Record<string, string> = {
  asset: 'Asset',
  relation: 'Relation',
  location: 'Location',
  asset_type: 'Asset type',
  asset_type_field: 'Asset type field',
}
export const ENTITIES = Object.keys(ENTITY_LABELS)

export const ACTION_LABELS: Record<string, string> = { create: 'Created', update: 'Changed', delete: 'Deleted' }
export const ACTIONS = Object.keys(ACTION_LABELS)

/** Entities whose changes the server can revert (asset types and their fields it refuses). */
export const REVERTIBLE = ['asset', 'relation', 'location']

export const PAGE_SIZE = 50

export interface ChangesFilter {
  /** One of ENTITIES, or '' for all. */
  entity: string
  /** One of ACTIONS, or '' for all. */
  action: string
  /** A username, or ''. */
  actor: string
  /** First day shown (`YYYY-MM-DD`), or ''. */
  since: string
  /** Last day shown (`YYYY-MM-DD`, inclusive), or ''. */
  until: string
  /** Only changes concerning this asset (its own and its relations'). */
  assetId: number | null
  /** With `entity`: only this record's changes. */
  entityId: number | null
}

export const EMPTY_FILTER: ChangesFilter = { entity: '', action: '', actor: '', since: '', until: '', assetId: null, entityId: null }

type QueryValue = LocationQuery[string] | undefined

const one = (v: QueryValue): string | undefined => {
  const x = Array.isArray(v) ? v[0] : v
  return typeof x === 'string' ? x : undefined
}
const int = (v: QueryValue): number | null => {
  const s = one(v)
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : null
}
const oneOf = (v: QueryValue, allowed: string[]): string => {
  const s = one(v) ?? ''
  return allowed.includes(s) ? s : ''
}

/** A real calendar day as `YYYY-MM-DD`, else ''. */
export function validDay(s: string | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? '')
  if (!m) return ''
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(y, mo - 1, d)
  return date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d ? s! : ''
}

/** Local midnight at the start of `day` (+ `plusDays`), as RFC 3339 in UTC. */
export function localMidnight(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return new Date(y, m - 1, d + plusDays).toISOString()
}

export function parseChangesQuery(query: LocationQuery): ChangesFilter {
  const entity = oneOf(query.entity, ENTITIES)
  return {
    entity,
    action: oneOf(query.action, ACTIONS),
    actor: (one(query.actor) ?? '').trim(),
    since: validDay(one(query.since)),
    until: validDay(one(query.until)),
    assetId: int(query.asset_id),
    entityId: entity ? int(query.entity_id) : null,
  }
}

/** The page URL's query: empty filters are left out, so the whole history is just `/changes`. */
export function toChangesRouteQuery(f: ChangesFilter): LocationQueryRaw {
  const q: LocationQueryRaw = {}
  if (f.entity) q.entity = f.entity
  if (f.entity && f.entityId !== null) q.entity_id = String(f.entityId)
  if (f.assetId !== null) q.asset_id = String(f.assetId)
  if (f.action) q.action = f.action
  if (f.actor.trim()) q.actor = f.actor.trim()
  if (f.since) q.since = f.since
  if (f.until) q.until = f.until
  return q
}

export interface ChangesApiQuery {
  entity?: string
  entity_id?: number
  asset_id?: number
  actor?: string
  action?: string
  since?: string
  until?: string
}

/** The filters as `GET /api/v1/changes` parameters: days become local midnights, `until` the next day's. */
export function changesApiQuery(f: ChangesFilter): ChangesApiQuery {
  const p: ChangesApiQuery = {}
  if (f.entity) p.entity = f.entity
  if (f.entity && f.entityId !== null) p.entity_id = f.entityId
  if (f.assetId !== null) p.asset_id = f.assetId
  if (f.actor.trim()) p.actor = f.actor.trim()
  if (f.action) p.action = f.action
  if (f.since) p.since = localMidnight(f.since)
  if (f.until) p.until = localMidnight(f.until, 1)
  return p
}

export function hasChangeFilters(f: ChangesFilter): boolean {
  return Boolean(f.entity || f.action || f.actor.trim() || f.since || f.until || f.assetId !== null)
}

/**
 * Whether each asset of `items` (newest first) exists, read from its newest change in them: a
 * deletion means it is gone, anything else that it is there (as far as these changes tell).
 */
export function assetStatesFrom(items: readonly Change[]): Map<number, boolean> {
  const states = new Map<number, boolean>()
  for (const c of items) {
    if (c.entity === 'asset' && !states.has(c.entity_id)) states.set(c.entity_id, c.action !== 'delete')
  }
  return states
}

/** "Deleted asset", "Changed location", "Created relation"… */
export function describeChange(c: Pick<Change, 'entity' | 'action'>): string {
  const action = ACTION_LABELS[c.action] ?? c.action
  const entity = (ENTITY_LABELS[c.entity] ?? c.entity.replace(/_/g, ' ')).toLowerCase()
  return `${action} ${entity}`
}

/** What reverting `c` will do, in one sentence for the confirmation. */
export function revertEffect(c: Pick<Change, 'entity' | 'action' | 'summary' | 'entity_id'>): string {
  const s = `“${c.summary}”`
  switch (`${c.entity}/${c.action}`) {
    case 'asset/create':
      return `Delete the asset ${s}, which this change created. This works only while nothing else has changed it since.`
    case 'asset/update':
      return `Put back the values the asset ${s} had before this change (the fields below).`
    case 'asset/delete':
      return `Restore the deleted asset ${s} under its old id (#${c.entity_id}), with the values it had when it was deleted.`
    case 'relation/create':
      return `Remove the relation ${s}, which this change added.`
    case 'relation/delete':
      return `Add the removed relation ${s} back.`
    case 'location/create':
      return `Delete the location ${s}, which this change created. This works only while it is empty.`
    case 'location/update':
      return `Put back the values the location ${s} had before this change (the fields below).`
    case 'location/delete':
      return `Restore the deleted location ${s} under its old id (#${c.entity_id}).`
    default:
      return `Undo this change to ${s}.`
  }
}
