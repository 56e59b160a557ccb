/**
 * The asset create / edit form as plain data, and the request bodies built from it. Kept free of
 * Vue so the rules (what is sent, how custom values are typed, what an edit changes) are unit-tested.
 */
import type { Asset, AssetType, CreateAssetBody, FieldDef, FieldKind, UpdateAssetBody } from '../api/types'

/** The built-in optional text properties, in the order the form shows them. */
export const STANDARD_FIELDS = [
  { key: 'manufacturer', label: 'Manufacturer', input: 'text' },
  { key: 'model', label: 'Model', input: 'text' },
  { key: 'serial', label: 'Serial number', input: 'text' },
  { key: 'hostname', label: 'Hostname', input: 'text' },
  { key: 'ip', label: 'IP address', input: 'text' },
  { key: 'mac', label: 'MAC address', input: 'text' },
  { key: 'owner', label: 'Owner', input: 'text' },
  { key: 'department', label: 'Department', input: 'text' },
  { key: 'purchase_date', label: 'Purchase date', input: 'date' },
  { key: 'warranty_end', label: 'Warranty ends', input: 'date' },
  { key: 'notes', label: 'Notes', input: 'textarea' },
] as const

export type StandardKey = (typeof STANDARD_FIELDS)[number]['key']

export interface AssetForm {
  tag: string
  name: string
  /** Asset type key. */
  type: string
  status: string
  /** Location id as the select's value; '' for none. */
  location_id: string
  /** Tag of the asset this one sits inside; '' for none. */
  parent_tag: string
  standard: Record<StandardKey, string>
  /** Custom field values as the inputs hold them (text; 'true' / 'false' for booleans). */
  custom: Record<string, string>
}

export function emptyForm(type = ''): AssetForm {
  return {
    tag: '',
    name: '',
    type,
    status: 'in_service',
    location_id: '',
    parent_tag: '',
    standard: Object.fromEntries(STANDARD_FIELDS.map((f) => [f.key, ''])) as Record<StandardKey, string>,
    custom: {},
  }
}

/** A stored custom value as the input shows it. */
export function customText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** The form filled from a stored asset (`parentTag` resolved by the caller). */
export function formFromAsset(asset: Asset, parentTag = ''): AssetForm {
  const form = emptyForm(asset.type)
  form.tag = asset.tag
  form.name = asset.name
  form.status = asset.status
  form.location_id = asset.location_id != null ? String(asset.location_id) : ''
  form.parent_tag = parentTag
  for (const f of STANDARD_FIELDS) form.standard[f.key] = (asset[f.key] as string | null | undefined) ?? ''
  form.custom = Object.fromEntries(Object.entries(asset.custom_fields ?? {}).map(([k, v]) => [k, customText(v)]))
  return form
}

/**
 * An input's text as the JSON value the API expects for the field kind. A number that does not
 * parse is sent as typed, so the server's message says what is wrong with it.
 */
export function customValue(kind: FieldKind, text: string): unknown {
  const t = text.trim()
  if (t === '') return null
  switch (kind) {
    case 'integer':
    case 'decimal': {
      const n = Number(t.replace(',', '.'))
      return Number.isFinite(n) ? n : t
    }
    case 'boolean':
      return t === 'true' ? true : t === 'false' ? false : t
    default:
      return t
  }
}

/** Fields of a type in display order. */
export function sortedFields(type: AssetType | null | undefined): FieldDef[] {
  return [...(type?.fields ?? [])].sort((a, b) => a.position - b.position)
}

/** Defaults of a type's fields as input texts: what a new asset starts with. */
export function defaultCustom(type: AssetType | null | undefined): Record<string, string> {
  return Object.fromEntries(sortedFields(type).map((f) => [f.key, customText(f.default)]))
}

/** POST /api/v1/assets: every non-empty value. `parentId` is the resolved `parent_tag`. */
export function createBody(form: AssetForm, type: AssetType | null, parentId: number | null): CreateAssetBody {
  const body: Record<string, unknown> = { tag: form.tag.trim(), name: form.name.trim(), type: form.type, status: form.status }
  if (form.location_id) body.location_id = Number(form.location_id)
  if (parentId !== null) body.parent_id = parentId
  for (const f of STANDARD_FIELDS) {
    const v = form.standard[f.key].trim()
    if (v) body[f.key] = v
  }
  const custom: Record<string, unknown> = {}
  for (const f of sortedFields(type)) {
    const v = customValue(f.kind, form.custom[f.key] ?? '')
    if (v !== null) custom[f.key] = v
  }
  if (Object.keys(custom).length) body.custom_fields = custom
  return body as CreateAssetBody
}

/**
 * PATCH /api/v1/assets/{id}: only what the user changed since `initial` (cleared values as null),
 * with `version` so a stale edit is refused instead of overwriting someone else's. On a type
 * change every field of the new type is sent and the old type's values are cleared.
 */
export function patchBody(
  initial: AssetForm,
  form: AssetForm,
  oldType: AssetType | null,
  newType: AssetType | null,
  version: number,
  parentId: number | null | undefined,
): UpdateAssetBody {
  const body: Record<string, unknown> = { version }
  const text = (a: string, b: string) => a.trim() !== b.trim()
  if (text(initial.tag, form.tag)) body.tag = form.tag.trim()
  if (text(initial.name, form.name)) body.name = form.name.trim()
  if (initial.status !== form.status) body.status = form.status
  if (initial.location_id !== form.location_id) body.location_id = form.location_id ? Number(form.location_id) : null
  if (parentId !== undefined) body.parent_id = parentId
  for (const f of STANDARD_FIELDS) {
    if (text(initial.standard[f.key], form.standard[f.key])) body[f.key] = form.standard[f.key].trim() || null
  }
  const custom: Record<string, unknown> = {}
  if (initial.type !== form.type) {
    body.type = form.type
    const keep = new Set(sortedFields(newType).map((f) => f.key))
    for (const f of sortedFields(oldType)) if (!keep.has(f.key) && initial.custom[f.key]) custom[f.key] = null
    for (const f of sortedFields(newType)) {
      const v = customValue(f.kind, form.custom[f.key] ?? '')
      if (v !== null || initial.custom[f.key]) custom[f.key] = v
    }
  } else {
    for (const f of sortedFields(newType)) {
      if (text(initial.custom[f.key] ?? '', form.custom[f.key] ?? '')) {
        custom[f.key] = customValue(f.kind, form.custom[f.key] ?? '')
      }
    }
  }
  if (Object.keys(custom).length) body.custom_fields = custom
  return body as UpdateAssetBody
}

/** True when the PATCH body would change nothing (only `version`). */
export function isNoop(body: UpdateAssetBody): boolean {
  return Object.keys(body).every((k) => k === 'version')
}

/** Labels of every property the form can show, for conflict comparisons and error lists. */
export function propertyLabel(field: string, type: AssetType | null): string {
  const fixed: Record<string, string> = {
    tag: 'Asset tag',
    name: 'Name',
    type: 'Type',
    status: 'Status',
    location_id: 'Location',
    parent_id: 'Inside asset',
    parent_tag: 'Inside asset',
  }
  if (fixed[field]) return fixed[field]
  const std = STANDARD_FIELDS.find((f) => f.key === field)
  if (std) return std.label
  const key = field.startsWith('custom_fields.') ? field.slice('custom_fields.'.length) : field
  return type?.fields.find((f) => f.key === key)?.label ?? field
}
