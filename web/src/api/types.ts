/**
 * Named types of the inventory API, derived from the generated schema by path (see client.ts), so a
 * changed response shape fails the type check of every screen that uses it.
 */
import type { components } from './schema'
import type { ApiResponse, GetResponse, RequestBody } from './client'

type Schemas = components['schemas']

export type Asset = GetResponse<'/api/v1/assets/{id}'>
export type AssetStatus = Asset['status']
export type CreateAssetBody = RequestBody<'/api/v1/assets', 'post'>
export type UpdateAssetBody = RequestBody<'/api/v1/assets/{id}', 'patch'>
export type AssetRelation = GetResponse<'/api/v1/assets/{id}/relations'>['items'][number]
export type RelatedAsset = AssetRelation['asset']
export type Change = GetResponse<'/api/v1/changes/{id}'>
export type ChangePage = GetResponse<'/api/v1/assets/{id}/history'>
export type FieldChange = Change['changes'][string]

export type Location = GetResponse<'/api/v1/locations/{id}'>
export type LocationKind = Location['kind']
export type LocationTree = GetResponse<'/api/v1/locations/tree'>
export type LocationNode = LocationTree['roots'][number]

export type AssetType = GetResponse<'/api/v1/asset-types/{id}'>
export type FieldDef = AssetType['fields'][number]
export type FieldKind = FieldDef['kind']
export type NewFieldBody = RequestBody<'/api/v1/asset-types/{id}/fields', 'post'>
export type FieldCheckReport = Schemas['FieldCheckReport']

export type UserRecord = GetResponse<'/api/v1/users/{id}'>
export type ApiToken = GetResponse<'/api/v1/tokens'>[number]
export type CreatedToken = ApiResponse<'/api/v1/tokens', 'post'>

/** Statuses in life-cycle order, with the words the UI shows. Exhaustive over the spec's enum. */
export const statusLabels: Record<AssetStatus, string> = {
  planned: 'Planned',
  in_service: 'In service',
  maintenance: 'Maintenance',
  spare: 'Spare',
  retired: 'Retired',
  disposed: 'Disposed',
}
export const STATUSES = Object.keys(statusLabels) as AssetStatus[]

export const locationKindLabels: Record<LocationKind, string> = {
  site: 'Site',
  building: 'Building',
  area: 'Area',
  hall: 'Hall',
  line: 'Line',
  cell: 'Cell',
  station: 'Station',
  room: 'Room',
  rack: 'Rack',
  other: 'Other',
}
export const LOCATION_KINDS = Object.keys(locationKindLabels) as LocationKind[]

export const fieldKindLabels: Record<FieldKind, string> = {
  text: 'Text',
  integer: 'Whole number',
  decimal: 'Decimal number',
  boolean: 'Yes / no',
  date: 'Date',
  select: 'Choice list',
  url: 'Web address (URL)',
  ip: 'IP address',
}
export const FIELD_KINDS = Object.keys(fieldKindLabels) as FieldKind[]

/** Relation kinds as read from the source and from the target (docs/INVENTORY.md). */
export const RELATION_KINDS = [
  { kind: 'controls', outgoing: 'controls', incoming: 'controlled by' },
  { kind: 'connected_to', outgoing: 'connected to', incoming: 'connected to' },
  { kind: 'feeds', outgoing: 'feeds', incoming: 'fed by' },
  { kind: 'depends_on', outgoing: 'depends on', incoming: 'required by' },
] as const
