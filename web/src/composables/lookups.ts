import { api } from '../api/client'
import type { AssetType, Location } from '../api/types'

/** Every asset type with its field definitions (a site has tens, not thousands). */
export async function loadAssetTypes(signal?: AbortSignal): Promise<AssetType[]> {
  const page = await api.get('/api/v1/asset-types', { query: { limit: 1000 }, signal })
  return page.items
}

/** Locations ordered by path, for pickers. The API pages by 1000; a site rarely has more. */
export async function loadLocations(signal?: AbortSignal): Promise<Location[]> {
  const items: Location[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = await api.get('/api/v1/locations', { query: { limit: 1000, offset }, signal })
    items.push(...page.items)
    if (items.length >= page.total || page.items.length === 0) return items
  }
}

/** Groups `errors[]` of a 422 by field name (several messages for one field are joined). */
export function fieldErrorMap(errors: { field: string; message: string }[] | undefined): Record<string, string> {
  const map: Record<string, string> = {}
  for (const { field, message } of errors ?? []) map[field] = map[field] ? `${map[field]} ${message}` : message
  return map
}
