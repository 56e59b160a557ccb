/**
 * The assets list state ⇄ the page URL ⇄ the API query. The URL holds every filter, the sort and
 * the page, so a list can be bookmarked and shared; these functions are pure and unit-tested.
 */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'

export interface ListState {
  q: string
  status: string[]
  type: string[]
  /** Location id, or null for anywhere. */
  location: number | null
  /** With `location`: include everything below it (the API default). */
  descendants: boolean
  /** API sort expression, e.g. `-updated_at`. */
  sort: string
  limit: number
  offset: number
}

export const DEFAULT_SORT = 'tag'
export const DEFAULT_LIMIT = 50
export const PAGE_SIZES = [25, 50, 100, 200]

/** Columns the list can show: `field` is the API property, `sort` the sort column (if sortable). */
export const COLUMNS = [
  { id: 'tag', label: 'Tag', fields: ['tag'], sort: 'tag' },
  { id: 'name', label: 'Name', fields: ['name'], sort: 'name' },
  { id: 'type', label: 'Type', fields: ['type', 'type_name'], sort: 'type' },
  { id: 'status', label: 'Status', fields: ['status'], sort: 'status' },
  { id: 'location', label: 'Location', fields: ['location_id', 'location_path'], sort: 'location' },
  { id: 'manufacturer', label: 'Manufacturer', fields: ['manufacturer'], sort: 'manufacturer' },
  { id: 'model', label: 'Model', fields: ['model'], sort: 'model' },
  { id: 'serial', label: 'Serial', fields: ['serial'], sort: 'serial' },
  { id: 'hostname', label: 'Hostname', fields: ['hostname'], sort: 'hostname' },
  { id: 'ip', label: 'IP address', fields: ['ip'], sort: 'ip' },
  { id: 'mac', label: 'MAC address', fields: ['mac'], sort: null },
  { id: 'owner', label: 'Owner', fields: ['owner'], sort: null },
  { id: 'department', label: 'Department', fields: ['department'], sort: null },
  { id: 'purchase_date', label: 'Purchased', fields: ['purchase_date'], sort: 'purchase_date' },
  { id: 'warranty_end', label: 'Warranty ends', fields: ['warranty_end'], sort: 'warranty_end' },
  { id: 'updated_at', label: 'Updated', fields: ['updated_at'], sort: 'updated_at' },
] as const

export type ColumnId = (typeof COLUMNS)[number]['id']
export const DEFAULT_COLUMNS: ColumnId[] = ['tag', 'name', 'type', 'status', 'location', 'updated_at']
/** Where the column choice is remembered (per browser). */
export const COLUMNS_KEY = 'shopdb.assets.columns'

type QueryValue = LocationQuery[string] | undefined

const one = (v: QueryValue): string | undefined => {
  const x = Array.isArray(v) ? v[0] : v
  return typeof x === 'string' ? x : undefined
}
const list = (v: QueryValue): string[] =>
  (one(v) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
const int = (v: QueryValue): number | null => {
  const s = one(v)
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : null
}

export function parseListQuery(query: LocationQuery): ListState {
  const limit = int(query.limit)
  return {
    q: one(query.q) ?? '',
    status: list(query.status),
    type: list(query.type),
    location: int(query.location),
    descendants: one(query.descendants) !== 'false',
    sort: one(query.sort) || DEFAULT_SORT,
    limit: limit !== null && limit >= 1 && limit <= 1000 ? limit : DEFAULT_LIMIT,
    offset: int(query.offset) ?? 0,
  }
}

/** The page URL's query: defaults are left out, so a plain list is just `/assets`. */
export function toRouteQuery(s: ListState): LocationQueryRaw {
  const q: LocationQueryRaw = {}
  if (s.q.trim()) q.q = s.q.trim()
  if (s.status.length) q.status = s.status.join(',')
  if (s.type.length) q.type = s.type.join(',')
  if (s.location !== null) {
    q.location = String(s.location)
    if (!s.descendants) q.descendants = 'false'
  }
  if (s.sort !== DEFAULT_SORT) q.sort = s.sort
  if (s.limit !== DEFAULT_LIMIT) q.limit = String(s.limit)
  if (s.offset > 0) q.offset = String(s.offset)
  return q
}

/** The filters as `listAssets` / `exportAssets` parameters (no paging, sort or fields). */
export function filterParams(s: ListState): Record<string, string | number | boolean> {
  const p: Record<string, string | number | boolean> = {}
  if (s.q.trim()) p.q = s.q.trim()
  if (s.status.length) p.status = s.status.join(',')
  if (s.type.length) p.type = s.type.join(',')
  if (s.location !== null) {
    p.location = s.location
    if (!s.descendants) p.include_descendants = false
  }
  return p
}

/** `fields` for the visible columns, plus what every row needs (id is always sent; version for bulk edits). */
export function fieldsFor(columns: ColumnId[]): string {
  const set = new Set<string>(['tag', 'version'])
  for (const c of COLUMNS) if (columns.includes(c.id)) for (const f of c.fields) set.add(f)
  return [...set].join(',')
}

export function hasFilters(s: ListState): boolean {
  return Boolean(s.q.trim() || s.status.length || s.type.length || s.location !== null)
}

/** The next sort when a column header is clicked: ascending first, then descending. */
export function nextSort(current: string, column: string): string {
  return current === column ? `-${column}` : column
}

export function sortDirection(current: string, column: string): 'ascending' | 'descending' | undefined {
  if (current === column) return 'ascending'
  if (current === `-${column}`) return 'descending'
  return undefined
}

/** The remembered column choice, or the defaults; unknown ids from older versions are dropped. */
export function loadColumns(storage: Storage | undefined): ColumnId[] {
  try {
    const raw = storage?.getItem(COLUMNS_KEY)
    const ids = raw ? (JSON.parse(raw) as unknown) : null
    if (Array.isArray(ids)) {
      const known = ids.filter((x): x is ColumnId => COLUMNS.some((c) => c.id === x))
      if (known.length) return known
    }
  } catch {
    // unreadable: defaults
  }
  return [...DEFAULT_COLUMNS]
}

export function saveColumns(storage: Storage | undefined, columns: ColumnId[]): void {
  try {
    storage?.setItem(COLUMNS_KEY, JSON.stringify(columns))
  } catch {
    // storage full or disabled: the choice lasts for this page only
  }
}
